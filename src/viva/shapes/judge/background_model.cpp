#include "viva/shapes/judge/background_model.h"

namespace viva::shapes {
namespace {

std::vector<Rgb> rows_of(Background b, bool fog, int height) {
  std::vector<Rgb> rows(static_cast<std::size_t>(height));
  for (int y = 0; y < height; ++y) {
    const Rgb c = background_rgb(b, (y + 0.5f) / height);
    rows[static_cast<std::size_t>(y)] = fog ? apply_fog(c) : c;
  }
  return rows;
}

}  // namespace

BackgroundModel estimate_background(const VideoFrames& video, float tolerance) {
  BackgroundModel best;
  int64_t best_count = -1;
  const float tolerance2 = tolerance * tolerance;
  // Every other pixel of every frame is plenty: the background covers at least half the frame.
  for (Background b : all_backgrounds())
    for (bool fog : {false, true}) {
      if (fog && !weather_allowed(b, Weather::Fog)) continue;
      const std::vector<Rgb> rows = rows_of(b, fog, video.height);
      int64_t count = 0;
      for (int t = 0; t < video.frames; ++t) {
        const uint8_t* frame = video.frame(t);
        for (int y = 0; y < video.height; ++y) {
          const Rgb& e = rows[static_cast<std::size_t>(y)];
          const uint8_t* row = frame + static_cast<std::size_t>(y) * video.width * 3;
          for (int x = (y & 1); x < video.width; x += 2) {
            const float dr = row[3 * x] - e.r, dg = row[3 * x + 1] - e.g, db = row[3 * x + 2] - e.b;
            count += dr * dr + dg * dg + db * db < tolerance2;
          }
        }
      }
      if (count > best_count) {
        best_count = count;
        best.background = b;
        best.fog = fog;
        best.rows = rows;
      }
    }
  const double sampled = static_cast<double>(video.frames) * video.height * ((video.width + 1) / 2);
  best.match = sampled > 0 ? static_cast<float>(best_count / sampled) : 0.0f;
  return best;
}

}  // namespace viva::shapes
