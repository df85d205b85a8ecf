#include "viva/shapes/judge/scene_parser.h"

#include <algorithm>
#include <tuple>

#include "viva/shapes/judge/background_model.h"
#include "viva/shapes/judge/object_tracker.h"
#include "viva/shapes/judge/shape_fit.h"
#include "viva/shapes/judge/texture_classifier.h"

namespace viva::shapes {
namespace {

using Look = std::tuple<Colour, ShapeKind, SizeClass, Texture>;

std::vector<Look> sorted_looks(const std::vector<Look>& looks) {
  std::vector<Look> sorted = looks;
  std::sort(sorted.begin(), sorted.end());
  return sorted;
}

Weather decide_weather(bool fog, int64_t round, int64_t long_ones, int frames, double per_frame) {
  if (fog) return Weather::Fog;
  if (std::max(round, long_ones) < per_frame * frames) return Weather::None;
  return long_ones > round ? Weather::Rain : Weather::Snow;
}

}  // namespace

double ParsedScene::consistency() const {
  if (sightings.empty()) return 1.0;
  std::vector<Look> clip;
  for (const ParsedObject& o : objects) clip.emplace_back(o.colour, o.shape, o.size_class, o.texture);
  clip = sorted_looks(clip);
  int agreeing = 0;
  for (const auto& frame : sightings) {
    std::vector<Look> looks;
    for (const ObjectSighting& s : frame)
      looks.emplace_back(s.colour, s.shape, size_class_of(s.size, width, height), s.texture);
    agreeing += sorted_looks(looks) == clip;
  }
  return static_cast<double>(agreeing) / static_cast<double>(sightings.size());
}

ParsedScene parse_scene(const VideoFrames& video, const ParserOptions& options) {
  ParsedScene scene;
  scene.width = video.width;
  scene.height = video.height;
  scene.frames = video.frames;
  const BackgroundModel background = estimate_background(video, options.background_tolerance);
  scene.background = background.background;
  scene.background_match = background.match;

  // Particles first (the weather decides which colours count as rain or snow), then objects.
  std::vector<FrameComponents> components;
  int64_t round = 0, long_ones = 0;
  for (int t = 0; t < video.frames; ++t) {
    components.push_back(find_components(video.frame(t), video.width, video.height, background, options.segmentation));
    round += components.back().round_particles;
    long_ones += components.back().long_particles;
  }
  scene.weather = decide_weather(background.fog, round, long_ones, video.frames, options.particles_per_frame);
  if (scene.weather == Weather::Rain || scene.weather == Weather::Snow)
    for (int t = 0; t < video.frames; ++t)
      components[static_cast<std::size_t>(t)] =
          find_components(video.frame(t), video.width, video.height, background, options.segmentation, scene.weather);

  scene.sightings.resize(static_cast<std::size_t>(video.frames));
  const double min_area = options.segmentation.min_object_area * video.width * video.height / 4096.0;
  for (int t = 0; t < video.frames; ++t)
    for (const Component& c : components[static_cast<std::size_t>(t)].objects) {
      const ObjectRegion region =
          extract_object(video.frame(t), video.width, video.height, c, background, scene.weather, options.segmentation);
      if (static_cast<double>(region.pixels.size()) < min_area) continue;
      const ShapeFit fit = fit_shape(region, video.width, video.height);
      ObjectSighting s;
      s.colour = region.colour;
      s.shape = fit.shape;
      s.texture = classify_texture(region, fit.shape);
      s.size = fit.size;
      s.x = region.x;
      s.y = region.y;
      s.angle = fit.angle;
      s.fit = fit.iou;
      scene.sightings[static_cast<std::size_t>(t)].push_back(s);
    }
  scene.objects = track_objects(scene.sightings, video.width, video.height, options.min_track_share);
  return scene;
}

}  // namespace viva::shapes
