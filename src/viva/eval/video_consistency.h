#pragma once
// Temporal consistency of a video's frame features (metrics.md §3.3): VBench's subject (DINO v1
// ViT-B/16 CLS) and background (CLIP ViT-B/32 image embedding) consistency, and EditVerse's
// consecutive-frame variant (DINOv2-base, CLIP ViT-L/14 vision pooler). Scores keep their sum
// and term count, since a dataset's score is frame-weighted (Σ terms / Σ counts), not a mean of
// videos' means.
#include <torch/torch.h>

#include <cstdint>

#include "viva/io/video_frames.h"
#include "viva/models/clip/clip_model.h"
#include "viva/models/dino/dino_vit.h"

namespace viva {

struct ConsistencySum {
  double total = 0;   // Σ s_i
  int64_t terms = 0;  // number of s_i
  double score() const { return terms ? total / static_cast<double>(terms) : 0.0; }
  ConsistencySum& operator+=(const ConsistencySum& other) {
    total += other.total;
    terms += other.terms;
    return *this;
  }
};

// features [N, D], one row per frame (N >= 2), normalised here.
// VBench: s_i = ½·[max(0, cos(f_{i−1}, f_i)) + max(0, cos(f_0, f_i))], i = 1…N−1.
ConsistencySum vbench_consistency(const torch::Tensor& features);
// EditVerse: s_i = max(0, cos(f_{i−1}, f_i)), i = 1…N−1.
ConsistencySum consecutive_consistency(const torch::Tensor& features);

// VBench's inputs, float32 [N, 3, H, W] from every frame: for DINO, the shorter side resized to
// 224 (bilinear, no antialiasing, aspect kept, no crop) and ImageNet's mean/std; for CLIP, the
// shorter side to `size` (224 for ViT-B/32; bicubic, no antialiasing), a centre crop of `size`
// and CLIP's mean/std.
torch::Tensor vbench_dino_pixels(const VideoFrames& video);
torch::Tensor vbench_clip_pixels(const VideoFrames& video, int64_t size = 224);
// EditVerse's inputs: for DINOv2, Hugging Face's BitImageProcessor (shorter side 256, bicubic,
// antialiased; centre crop 224; ImageNet mean/std); for CLIP, CLIPImageProcessor at `size`.
torch::Tensor editverse_dino_pixels(const VideoFrames& video);
torch::Tensor editverse_clip_pixels(const VideoFrames& video, int64_t size);

// One feature row per frame, `batch` frames at a time on the model's device: DINO's CLS
// feature; CLIP's projected image embedding.
torch::Tensor dino_frame_features(DinoVisionTransformer& dino, const torch::Tensor& pixels, int64_t batch = 16);
torch::Tensor clip_frame_features(ClipModel& clip, const torch::Tensor& pixels, int64_t batch = 16);
// The vision tower's pooled output (post-layernorm CLS, before the projection): HF
// CLIPVisionModel's pooler_output, EditVerse's CLIP feature.
torch::Tensor clip_pooled_frame_features(ClipModel& clip, const torch::Tensor& pixels, int64_t batch = 16);

}  // namespace viva
