#include "viva/shapes/judge/shapes_judge.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "viva/core/atomic_file.h"
#include "viva/core/error.h"
#include "viva/shapes/judge/masked_metrics.h"
#include "viva/shapes/judge/parse_rerender.h"
#include "viva/shapes/judge/scene_comparison.h"
#include "viva/shapes/world/style.h"

namespace viva::shapes {
namespace {

VideoFrames stylised(const VideoFrames& video, Style style) {
  VideoFrames out = video;
  for (int t = 0; t < video.frames; ++t) apply_style(style, video.frame(t), out.frame(t), video.width, video.height);
  return out;
}

// Which stylisation of the source the prediction is (Style::None: the source itself).
void judge_style(const GroundTruth& truth, const VideoFrames& source, const VideoFrames& prediction,
                 const JudgeOptions& options, ClipScore& score) {
  Style best = Style::None;
  double best_psnr = -1;
  VideoFrames best_video;
  std::vector<Style> styles = all_styles();
  styles.insert(styles.begin(), Style::None);
  for (Style s : styles) {
    VideoFrames candidate = stylised(source, s);
    const double p = psnr(candidate, prediction);
    if (p > best_psnr) {
      best_psnr = p;
      best = s;
      best_video = std::move(candidate);
    }
  }
  score.followed = best == truth.target.style && best_psnr >= options.style_min_psnr;
  if (!score.followed) {
    char text[160];
    if (best == truth.target.style)
      std::snprintf(text, sizeof text, "style %s as expected, but only %.1f dB from the source in that style (needs %.1f)",
                    name_of(best), best_psnr, options.style_min_psnr);
    else
      std::snprintf(text, sizeof text, "looks most like style %s (%.1f dB), expected %s", name_of(best), best_psnr,
                    name_of(truth.target.style));
    score.differences.push_back(text);
  }
  // The residual against the source in that style stands in for the re-render of a parse.
  double sum = 0;
  for (std::size_t i = 0; i < prediction.pixels.size(); ++i)
    sum += std::abs(int{prediction.pixels[i]} - int{best_video.pixels[i]});
  score.artefact = prediction.pixels.empty() ? 0.0 : sum / static_cast<double>(prediction.pixels.size());
}

}  // namespace

GroundTruth read_ground_truth(const std::string& path) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw file_error(path, std::string("not valid JSON: ") + e.what());
  }
  GroundTruth truth;
  try {
    truth.task = j.at("task").get<std::string>();
    truth.source = scene_from_json(j.at("source_scene"));
    truth.target = scene_from_json(j.at("target_scene"));
  } catch (const nlohmann::json::exception& e) {
    throw file_error(path, std::string("not a ShapesWorld scene record: ") + e.what());
  } catch (const Error& e) {
    throw file_error(path, e.what());
  }
  for (const ShapeObject& o : truth.target.objects) {
    const ShapeObject* before = truth.source.find(o.id);
    if (before && to_json(*before, truth.source.width, truth.source.height) ==
                      to_json(o, truth.target.width, truth.target.height))
      truth.untouched.push_back(o.id);
  }
  return truth;
}

ClipScore score_clip(const GroundTruth& truth, const VideoFrames& source, const VideoFrames& target,
                     const VideoFrames& mask, const VideoFrames& prediction, const JudgeOptions& options) {
  ClipScore score;
  score.task = truth.task;
  if (prediction.width != source.width || prediction.height != source.height || prediction.frames != source.frames) {
    score.error = "prediction is " + std::to_string(prediction.width) + "x" + std::to_string(prediction.height) + "x" +
                  std::to_string(prediction.frames) + " (width x height x frames) but the source is " +
                  std::to_string(source.width) + "x" + std::to_string(source.height) + "x" +
                  std::to_string(source.frames);
    return score;
  }
  score.psnr = psnr_outside_mask(prediction, source, mask);
  score.ssim = ssim_outside_mask(prediction, source, mask);
  if (prediction.frames > 1) score.flicker = mean_frame_change(prediction) - mean_frame_change(target);

  if (truth.target.style != Style::None) {
    judge_style(truth, source, prediction, options, score);
    return score;
  }
  const ParsedScene parse = parse_scene(prediction, options.parser);
  const double scale = std::min(source.width, source.height) / 64.0;
  const ParseComparison c =
      compare_with_scene(parse, truth.target, truth.untouched, options.position_tolerance * scale);
  score.followed = c.exact();
  score.differences = c.differences;
  if (prediction.frames > 1) score.stability = parse.consistency();
  score.artefact = artefact_residual(prediction, parse);
  return score;
}

}  // namespace viva::shapes
