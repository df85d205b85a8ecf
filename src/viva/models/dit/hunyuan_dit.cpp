#include "viva/models/dit/hunyuan_dit.h"

#include <algorithm>
#include <tuple>

#include "viva/core/error.h"
#include "viva/core/strings.h"
#include "viva/nn/activation_checkpoint.h"
#include "viva/nn/undrawn_layers.h"
#include "viva/nn/weight_loading.h"

namespace viva {

bool is_viva_dit_tensor(const std::string& name) {
  return starts_with(name, "src_in.") || starts_with(name, "context_projector.");
}

HunyuanDitImpl::HunyuanDitImpl(const DitOptions& o) : options(o) {
  o.validate("DiT options");
  const int64_t d = o.hidden_size;
  img_in = register_module("img_in", PatchEmbed(o, o.in_channels));
  if (o.context_projector) {
    src_in = register_module("src_in", PatchEmbed(o, o.in_channels));
    context_projector = register_module("context_projector", linear_layer(2 * d, d));
  }
  txt_in = register_module("txt_in", TokenRefiner(o));
  time_in = register_module("time_in", TimestepEmbedder(d));
  vector_in = register_module("vector_in", MlpEmbedder(o.pooled_dim, d));
  if (o.guidance_embed) guidance_in = register_module("guidance_in", TimestepEmbedder(d));
  double_blocks = register_module("double_blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < o.double_blocks; ++i) double_blocks->push_back(built_in_place(DoubleStreamBlock(o)));
  single_blocks = register_module("single_blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < o.single_blocks; ++i) single_blocks->push_back(built_in_place(SingleStreamBlock(o)));
  final_layer = register_module("final_layer", FinalLayer(o));
}

void HunyuanDitImpl::init_context_projector_from_t2v() {
  if (!options.context_projector) throw Error("DiT", "built without the context projector");
  torch::NoGradGuard no_grad;
  src_in->proj->weight.copy_(img_in->proj->weight);
  src_in->proj->bias.copy_(img_in->proj->bias);
  const int64_t d = options.hidden_size;
  auto& w = context_projector->weight;  // [d, 2d]
  w.zero_();
  w.narrow(1, 0, d).copy_(torch::eye(d, torch::kFloat32));  // (eye has no bf16 CPU kernel)
  context_projector->bias.zero_();
}

std::vector<std::vector<std::pair<std::string, torch::Tensor>>> HunyuanDitImpl::parameter_units() {
  std::vector<std::vector<std::pair<std::string, torch::Tensor>>> units(1);
  for (const auto& child : named_children())
    if (child.key() != "double_blocks" && child.key() != "single_blocks")
      for (const auto& p : child.value()->named_parameters()) units[0].push_back({child.key() + "." + p.key(), p.value()});
  for (auto [prefix, list] : {std::pair{std::string("double_blocks."), double_blocks},
                               std::pair{std::string("single_blocks."), single_blocks}})
    for (std::size_t i = 0; i < list->size(); ++i) {
      units.emplace_back();
      for (const auto& p : list[i]->named_parameters())
        units.back().push_back({prefix + std::to_string(i) + "." + p.key(), p.value()});
    }
  return units;
}

void HunyuanDitImpl::offload_blocks(torch::Device device) {
  std::vector<std::shared_ptr<torch::nn::Module>> blocks;
  for (const auto& list : {double_blocks, single_blocks})
    for (const auto& block : *list) blocks.push_back(block);
  block_offload = std::make_shared<BlockOffload>(blocks, device);
  torch::NoGradGuard no_grad;
  for (const auto& child : named_children())
    if (child.key() != "double_blocks" && child.key() != "single_blocks") child.value()->to(device);
}

void HunyuanDitImpl::split_sequence(std::shared_ptr<SequenceParallel> sp) {
  if (sp) sp->check_heads(options.heads, "DiT");
  sequence_parallel = std::move(sp);
  for (const auto& block : *double_blocks) block->as<DoubleStreamBlock>()->sequence_parallel = sequence_parallel.get();
  for (const auto& block : *single_blocks) block->as<SingleStreamBlock>()->sequence_parallel = sequence_parallel.get();
}

torch::Tensor HunyuanDitImpl::forward(const DitInput& in, DitTrace* trace) {
  const auto& o = options;
  if (!in.x.defined() || in.x.dim() != 5 || in.x.size(1) != o.in_channels)
    throw Error("DiT", "x must be [B, " + std::to_string(o.in_channels) + ", T, H, W]");
  if (in.x.size(2) % o.patch[0] || in.x.size(3) % o.patch[1] || in.x.size(4) % o.patch[2])
    throw Error("DiT", "latent size " + c10::str(in.x.sizes()) + " is not divisible by the patch");
  if (o.context_projector != in.source.defined())
    throw Error("DiT", o.context_projector ? "this VIVA model needs the source latent" : "this model takes no source latent");
  if (in.source.defined() && in.source.sizes() != in.x.sizes()) throw Error("DiT", "source and noisy latents differ in shape");
  if (o.guidance_embed && !in.guidance.defined()) throw Error("DiT", "this guidance-distilled model needs a guidance value");
  const int64_t B = in.x.size(0);
  ShardedUnits* units = sharded_units.get();
  if (units) {
    units->gather(0);  // the embedders, gathered for the whole step
    units->hold_gradients_in_float32(0);  // an earlier micro-batch's, if any
  }

  // Conditioning vector (§1.2 step 1).
  auto vec = time_in(in.t) + vector_in(in.pooled);
  if (o.guidance_embed) vec = vec + guidance_in(in.guidance);
  DitConditioning cond{vec, {}, 0};

  auto x = in.x, source = in.source;
  int64_t ref_frames = 0;
  if (in.reference.defined()) {
    if (in.reference.dim() != 5 || in.reference.size(2) != o.patch[0] || in.reference.size(3) != in.x.size(3) ||
        in.reference.size(4) != in.x.size(4))
      throw Error("DiT", "reference latent must be [B, C, " + std::to_string(o.patch[0]) + ", H, W] like the video");
    x = torch::cat({in.reference, x}, 2);
    if (source.defined()) source = torch::cat({in.reference, source}, 2);
    ref_frames = in.reference.size(2);
  }
  const int64_t T = x.size(2) / o.patch[0], H = x.size(3) / o.patch[1], W = x.size(4) / o.patch[2];
  if (ref_frames) {
    // The clean reference frame is modulated as timestep 0, without the guidance term.
    cond.ref_vec = time_in(torch::zeros_like(in.t)) + vector_in(in.pooled);
    cond.ref_tokens = H * W;
  }

  auto img = img_in(x);
  if (o.context_projector) img = context_projector(torch::cat({img, src_in(source)}, -1));
  const int64_t N = img.size(1);
  // Attention over valid text tokens only (valid_text): no mask on the hot path for one edit.
  const ValidText text = valid_text(in.text, in.text_mask.defined() ? in.text_mask.to(img.device()) : torch::Tensor());
  auto txt = txt_in(text.states, in.t, text.mask);
  if (trace) {
    trace->img_tokens = img;
    trace->txt_after_refiner = txt;
  }

  // The reference frame takes RoPE time index -1 so the video keeps its pretrained positions.
  // (Named tensors, not a structured binding: C++17 lambdas cannot capture those.)
  torch::Tensor cos, sin;
  std::tie(cos, sin) = rope_tables(T, H, W, ref_frames ? -1 : 0, img.device());
  const torch::Tensor mask =
      text.mask.defined()
          ? key_padding_mask(torch::cat({torch::ones({B, N}, text.mask.options()), text.mask}, 1))
          : torch::Tensor();
  // Sequence parallel: from here to the final layer, this rank's shard of the image tokens (its
  // own rows of the RoPE tables; the reference tokens, which lead the sequence, as far as they
  // fall in it). The mask keeps covering every key: attention sees the whole sequence.
  SequenceParallel* sp = sequence_parallel.get();
  int64_t image_tokens = N;
  if (sp) {
    sp->begin(N);
    img = sp->shard(img);
    cos = sp->shard(cos, 0);
    sin = sp->shard(sin, 0);
    cond.ref_tokens = std::clamp<int64_t>(cond.ref_tokens - sp->shard_start(), 0, sp->shard_length());
    image_tokens = sp->shard_length();
  }

  // With checkpointing, each block is a checkpointed() body: its tensors come in as inputs (so
  // their gradients flow) and everything else is captured by value for the recomputation.
  const bool recompute = activation_checkpointing && is_training() && torch::GradMode::is_enabled();
  if (recompute && block_offload) throw Error("DiT", "block offloading is for inference, not with activation checkpointing");
  if (units && !recompute && torch::GradMode::is_enabled() && is_training())
    throw Error("DiT", "fully sharded training needs activation checkpointing");
  const int64_t ref_tokens = cond.ref_tokens;
  std::size_t block_index = 0;
  // Sharded: a block's unit is gathered inside its body (so its recomputation gathers again),
  // released once it has run, and its gradients go to the shards after its backward.
  const auto after_backward = [units](std::size_t unit) -> std::function<void()> {
    if (!units) return {};
    return [units, unit] {
      if (!units->frozen()) units->reduce_gradients(unit);
      units->release(unit);
    };
  };
  for (const auto& block : *double_blocks) {
    const std::size_t unit = 1 + block_index;
    const BlockOffload::Scope on_device(block_offload.get(), block_index++);
    auto* b = block->as<DoubleStreamBlock>();
    if (recompute) {
      const auto out = checkpointed(
          [b, mask, cos, sin, ref_tokens, units, unit](const std::vector<torch::Tensor>& v) {
            if (units) units->gather(unit);
            auto [i, t] = b->forward(v[0], v[1], DitConditioning{v[2], v[3], ref_tokens}, mask, cos, sin);
            return std::vector<torch::Tensor>{i, t};
          },
          {img, txt, cond.vec, cond.ref_vec}, after_backward(unit));
      img = out[0];
      txt = out[1];
    } else {
      if (units) units->gather(unit);
      std::tie(img, txt) = b->forward(img, txt, cond, mask, cos, sin);
    }
    if (units) units->release(unit);
    if (trace) trace->img_after_double.push_back(img);
  }
  auto joint = torch::cat({img, txt}, 1);
  for (const auto& block : *single_blocks) {
    const std::size_t unit = 1 + block_index;
    const BlockOffload::Scope on_device(block_offload.get(), block_index++);
    auto* b = block->as<SingleStreamBlock>();
    if (recompute) {
      joint = checkpointed(
          [b, image_tokens, mask, cos, sin, ref_tokens, units, unit](const std::vector<torch::Tensor>& v) {
            if (units) units->gather(unit);
            return std::vector<torch::Tensor>{
                b->forward(v[0], image_tokens, DitConditioning{v[1], v[2], ref_tokens}, mask, cos, sin)};
          },
          {joint, cond.vec, cond.ref_vec}, after_backward(unit))[0];
    } else {
      if (units) units->gather(unit);
      joint = b->forward(joint, image_tokens, cond, mask, cos, sin);
    }
    if (units) units->release(unit);
  }
  img = joint.narrow(1, 0, image_tokens);

  // Final layer and unpatchify: 64 outputs per token as (c, pt, ph, pw), c slowest.
  auto out = final_layer(img, vec);
  if (sp) out = sp->gather(out);
  const auto& p = o.patch;
  out = out.view({B, T, H, W, o.out_channels, p[0], p[1], p[2]})
            .permute({0, 4, 1, 5, 2, 6, 3, 7})
            .reshape({B, o.out_channels, T * p[0], H * p[1], W * p[2]});
  if (ref_frames) out = out.narrow(2, ref_frames, out.size(2) - ref_frames);
  return out;
}

std::pair<torch::Tensor, torch::Tensor> HunyuanDitImpl::rope_tables(int64_t T, int64_t H, int64_t W, int64_t t_start,
                                                                     torch::Device device) {
  const std::array<int64_t, 4> key = {T, H, W, t_start};
  if (!rope_cache_.cos.defined() || rope_cache_.key != key || rope_cache_.device != device) {
    std::tie(rope_cache_.cos, rope_cache_.sin) = rope_3d_tables(options, T, H, W, t_start, device);
    rope_cache_.key = key;
    rope_cache_.device = device;
  }
  return {rope_cache_.cos, rope_cache_.sin};
}

}  // namespace viva
