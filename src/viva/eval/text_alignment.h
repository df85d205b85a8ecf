#pragma once
// How well a video matches its target caption, frame by frame (metrics.md §3.4, §3.6), as
// EditVerse's evaluator computes it: every frame through the CLIP image processor (shorter side
// to the model's size, bicubic, centre crop), the caption through the tokenizer (77 tokens),
// frame score = exp(logit_scale) × cosine of the projected embeddings, video score = mean over
// the frames.
//   frame-text alignment  CLIP ViT-L/14 (openai/clip-vit-large-patch14)
//   PickScore             PickScore_v1 (CLIP ViT-H/14), each frame first downscaled so that its
//                         longer side is at most 672 px (the shorter side int(side · 672 / longer))
// and for the whole clip at once:
//   video-text alignment  ViCLIP (ViClip-InternVid-10M-FLT): 8 frames at ⌊i·N/8⌋, each through the
//                         same CLIP processing at the model's resolution, the caption as 32 tokens
//                         (start, BPE, end last, 0-padded), 100 × cosine of the two embeddings
#include <string>

#include "viva/io/video_frames.h"
#include "viva/models/viclip/viclip_model.h"
#include "viva/rewards/clip_scorer.h"
#include "viva/tokenizers/clip_tokenizer.h"

namespace viva {

double frame_text_alignment(ClipScorer& clip, const VideoFrames& video, const std::string& caption);
double pickscore(ClipScorer& pickscore, const VideoFrames& video, const std::string& caption);
double video_text_alignment(ViclipModel& viclip, const ClipTokenizer& tokenizer, const VideoFrames& video,
                            const std::string& caption);
// ViCLIP's input for a video: [1, num_frames, 3, S, S] from the frames at ⌊i·N/num_frames⌋.
torch::Tensor viclip_frames(const VideoFrames& video, const ViclipOptions& options);

// PickScore's cap: the frames [3, T, H, W] with the longer side at most `longest` (bicubic,
// antialiased, as PIL resizes); unchanged when already within it.
torch::Tensor cap_longer_side(const torch::Tensor& frames, int64_t longest);

}  // namespace viva
