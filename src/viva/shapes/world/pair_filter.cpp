// Stage 5 of pair generation (pair_stages.h): the checks the paper leaves to a VLM labelling
// artefacts, done exactly on the scene graphs and renders.
#include <cstdlib>

#include "viva/shapes/world/pair_stages.h"
#include "viva/shapes/world/palette.h"
#include "viva/shapes/world/shape_geometry.h"

namespace viva::shapes {
namespace {

constexpr double kMinInFrame = 0.97;         // share of an object's area inside the frame
constexpr int kChangedLevel = 24;            // a pixel changes when a channel moves more than this
constexpr double kMinChangedPerFrame = 4.0;  // pixels

std::optional<Rejection> check_clip(const Scene& scene, const RenderedClip& render) {
  const std::size_t plane = static_cast<std::size_t>(scene.width) * scene.height;
  for (std::size_t i = 0; i < scene.objects.size(); ++i) {
    const ShapeObject& o = scene.objects[i];
    if (!clear_of_others(scene, o)) return Rejection::Occluded;
    if (!object_visible(o.colour, o.texture, scene.background, scene.weather)) return Rejection::Invisible;
    const double area = geometry_of(o.shape).area * o.size * o.size;
    for (int t = 0; t < scene.frames; ++t) {
      const uint8_t* cover = render.coverage[i].data() + t * plane;
      double sum = 0;
      for (std::size_t p = 0; p < plane; ++p) sum += cover[p];
      if (sum / 255.0 < kMinInFrame * area) return Rejection::OffFrame;
    }
  }
  return std::nullopt;
}

double changed_pixels_per_frame(const VideoFrames& a, const VideoFrames& b) {
  const std::size_t pixels = a.pixels.size() / 3;
  std::size_t changed = 0;
  for (std::size_t i = 0; i < pixels; ++i)
    for (int c = 0; c < 3; ++c)
      if (std::abs(int{a.pixels[3 * i + c]} - int{b.pixels[3 * i + c]}) > kChangedLevel) {
        ++changed;
        break;
      }
  return static_cast<double>(changed) / a.frames;
}

}  // namespace

std::optional<Rejection> filter_pair(const TrackedClip& real, const SynthesisedEdit& edit, const PairText& text) {
  if (!text.forward) return Rejection::Ambiguous;
  if (auto r = check_clip(real.scene, real.render)) return r;
  if (auto r = check_clip(edit.scene, edit.render)) return r;
  if (changed_pixels_per_frame(real.render.video, edit.render.video) < kMinChangedPerFrame) return Rejection::Invisible;
  return std::nullopt;
}

}  // namespace viva::shapes
