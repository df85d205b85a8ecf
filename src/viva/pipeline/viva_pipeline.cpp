#include "viva/pipeline/viva_pipeline.h"

#include <cstdio>

#include "viva/core/error.h"
#include "viva/diffusion/flow_sampler.h"
#include "viva/diffusion/known_frames_step.h"
#include "viva/models/llava/vlm_instructor.h"
#include "viva/nn/media_tensors.h"

namespace viva {

const char* const kTextToVideoSystemPrompt =
    "Describe the video by detailing the following aspects: 1. The main content and theme of the video.2. The "
    "color, shape, size, texture, quantity, text, and spatial relationships of the objects.3. Actions, events, "
    "behaviors temporal relationships, physical movement changes of the objects.4. background environment, light, "
    "style and atmosphere.5. camera angles, movements, and transitions used in the video:";

namespace {

Image first_frame_of(const VideoFrames& video) {
  Image image(video.width, video.height);
  std::copy(video.frame(0), video.frame(0) + video.frame_bytes(), image.rgb.begin());
  return image;
}

VideoFrames image_as_video(const Image& image) {
  VideoFrames video(1, image.height, image.width, 0.0);
  std::copy(image.rgb.begin(), image.rgb.end(), video.frame(0));
  return video;
}

// The instructor's tokens (padded to `length`) and CLIP's pooled vector for `text` and for the
// empty text, into `c`: what editing and caption encoding share.
void encode_text(EditConditions& c, VlmInstructor& instructor, const std::string& text, const Image& first_frame,
                 const std::optional<Image>& reference, int64_t length, torch::Device device,
                 const std::function<torch::Tensor(const std::string&)>& pooled) {
  const InstructorOutput cond = pad_instructor_output(instructor.encode(text, first_frame, reference), length);
  const InstructorOutput uncond = pad_instructor_output(instructor.encode("", first_frame, reference), length);
  // Truncated, as HunyuanVideo's text encoder does, and said once per edit.
  if (cond.instruction_tokens_dropped > 0)
    std::fprintf(stderr, "viva: warning: the instruction is %lld tokens over the instructor's budget; its end is dropped\n",
                 static_cast<long long>(cond.instruction_tokens_dropped));
  if (cond.tokens_dropped > 0)
    std::fprintf(stderr, "viva: warning: the instructor gave %lld tokens more than the model's text_tokens; the last are dropped\n",
                 static_cast<long long>(cond.tokens_dropped));
  c.tokens = cond.tokens;
  c.mask = cond.mask.to(device);
  c.uncond_tokens = uncond.tokens;
  c.uncond_mask = uncond.mask.to(device);
  c.pooled = pooled(text);
  c.uncond_pooled = pooled("");
}

}  // namespace

Offload offload_from_name(const std::string& name, const std::string& where) {
  if (name == "none") return Offload::None;
  if (name == "model") return Offload::Model;
  if (name == "blocks") return Offload::Blocks;
  throw Error(where, "offload must be none, model or blocks, not '" + name + "'");
}

EditConditions conditions_on(const EditConditions& c, torch::Device device) {
  const auto on = [&](const torch::Tensor& t) { return t.defined() ? t.to(device) : t; };
  return {on(c.source), on(c.reference), on(c.tokens), on(c.mask), on(c.uncond_tokens), on(c.uncond_mask),
          on(c.pooled), on(c.uncond_pooled)};
}

VivaPipeline::VivaPipeline(const std::string& model_folder, torch::Device device, torch::ScalarType dtype,
                           PipelineParts parts)
    : model_(model_folder),
      device_(device),
      dtype_(dtype),
      offload_(parts.offload),
      transformer_autocast_weights_(parts.transformer_autocast_weights) {
  // The transformer's config is checked now; its weights come in when first needed, by then
  // the encoders are usually freed (the largest parts are never resident together).
  std::optional<DitOptions> dit;
  if (parts.transformer) {
    dit = model_.transformer_options();
    if (!dit->context_projector && !parts.text_to_video)
      throw Error(model_.component_path(ModelComponent::Transformer),
                  "is a text-to-video transformer, not a VIVA editor (config has no context_projector)");
    transformer_wanted_ = true;
  }
  if (parts.vae) {
    vae_ = model_.load_vae(device_, dtype_);
    residency_.push_back("load vae");
    // A VAE retrained with another latent width needs a DiT made for it; say so before sampling.
    if (dit && dit->in_channels != vae_->options.latent_channels)
      throw Error(model_.component_path(ModelComponent::Transformer) + "/config.json",
                  "in_channels " + std::to_string(dit->in_channels) + " does not match the VAE's " +
                      std::to_string(vae_->options.latent_channels) + " latent channels");
  }
  if (parts.encoders) {
    vlm_ = model_.load_instructor(device_, dtype_);
    residency_.push_back("load instructor");
    clip_text_ = model_.load_clip(device_, dtype_);
    residency_.push_back("load clip");
    tokenizer_.emplace(model_.load_tokenizer());
    clip_tokenizer_.emplace(model_.load_clip_tokenizer());
  }
  if (transformer_wanted_ && offload_ == Offload::None) transformer();
}

torch::Tensor VivaPipeline::encode_video(const VideoFrames& video) {
  if (!vae_) throw Error(model_.path(), "the VAE was not loaded");
  torch::NoGradGuard no_grad;
  return vae_->encode(video_to_tensor(video).unsqueeze(0).to(device_, dtype_));
}

VideoFrames VivaPipeline::decode(const torch::Tensor& latent, double fps) {
  if (!vae_) throw Error(model_.path(), "the VAE was not loaded");
  torch::NoGradGuard no_grad;
  auto video = vae_->decode(latent.to(device_, dtype_));
  return tensor_to_video(video[0].to(torch::kCPU, torch::kFloat32), fps);
}

torch::Tensor VivaPipeline::clip_pooled(const std::string& text) {
  const auto& o = clip_text_->options;
  // Hugging Face's CLIPTokenizer pads with the end token; the tower is causal and pools at the
  // first end token, so padding never reaches the pooled vector.
  const auto ids = clip_tokenizer_->encode_row(text, static_cast<int>(o.max_positions), clip_tokenizer_->end_id());
  return clip_text_->forward(torch::tensor(ids, torch::kInt64).unsqueeze(0).to(device_)).pooled;
}

EditConditions VivaPipeline::encode(const VideoFrames& video, const std::string& instruction,
                                    const std::optional<Image>& reference) {
  if (!vlm_ || !clip_text_) throw Error(model_.path(), "the VLM and CLIP encoders are not loaded (or were released)");
  torch::NoGradGuard no_grad;
  EditConditions c;
  c.source = encode_video(video);
  const Image first = first_frame_of(video);
  std::optional<Image> ref_image;
  if (reference) {
    const VideoFrames fitted = resize_center_crop(image_as_video(*reference), video.width, video.height);
    ref_image = first_frame_of(fitted);
    c.reference = encode_video(fitted);
  }
  VlmInstructor instructor(vlm_, *tokenizer_, config().instructor);
  encode_text(c, instructor, instruction, first, ref_image, text_tokens(), device_,
              [this](const std::string& text) { return clip_pooled(text); });
  return c;
}

EditConditions VivaPipeline::encode_caption(const std::string& caption) {
  if (!vlm_ || !clip_text_) throw Error(model_.path(), "the VLM and CLIP encoders are not loaded (or were released)");
  torch::NoGradGuard no_grad;
  VlmInstructorOptions options = config().instructor;
  options.first_frame = false;
  options.system_prompt = kTextToVideoSystemPrompt;
  VlmInstructor instructor(vlm_, *tokenizer_, options);
  EditConditions c;
  // The frame is not looked at: first_frame is off.
  encode_text(c, instructor, caption, Image(), std::nullopt, text_tokens(), device_,
              [this](const std::string& text) { return clip_pooled(text); });
  return c;
}

int64_t VivaPipeline::text_tokens() const {
  if (config().text_tokens) return *config().text_tokens;
  if (!vlm_) throw Error(model_.path(), "the VLM instructor is not loaded");
  return instructor_token_budget(vlm_->options, config().instructor);
}

void VivaPipeline::release_encoders() {
  if (offload_ == Offload::None || (!vlm_ && !clip_text_)) return;
  vlm_ = LlavaModel(nullptr);
  clip_text_ = ClipTextTransformer(nullptr);
  residency_.push_back("free encoders");
}

void VivaPipeline::split_sequence(std::shared_ptr<SequenceParallel> sp) {
  sequence_parallel_ = std::move(sp);
  if (transformer_) transformer_->split_sequence(sequence_parallel_);
}

HunyuanDit& VivaPipeline::transformer() {
  if (transformer_) return transformer_;
  if (!transformer_wanted_) throw Error(model_.path(), "the transformer was not loaded");
  const bool blocks = offload_ == Offload::Blocks;
  transformer_ = model_.load_transformer(blocks ? torch::Device(torch::kCPU) : device_, dtype_, {}, std::nullopt,
                                        transformer_autocast_weights_);
  residency_.push_back(blocks ? "load transformer to host" : "load transformer");
  if (lora_pending_) merge_lora(*lora_pending_);
  lora_pending_.reset();
  if (sequence_parallel_) transformer_->split_sequence(sequence_parallel_);
  if (blocks) {
    transformer_->offload_blocks(device_);
    residency_.push_back("stream transformer blocks");
  }
  return transformer_;
}

void VivaPipeline::apply_lora(const std::string& path, double strength) {
  if (!transformer_wanted_) throw Error(model_.path(), "the transformer was not loaded");
  if (lora_ || lora_pending_) throw Error(path, "a LoRA is already applied");
  lora_options_from_file(path);  // a bad file fails now, not after encoding
  if (transformer_ && offload_ == Offload::Blocks)
    throw Error(path, "with the DiT's blocks offloaded, a LoRA must be applied before the transformer comes in");
  if (transformer_) merge_lora({path, strength});
  else lora_pending_ = std::make_pair(path, strength);  // merged when the transformer comes in
}

void VivaPipeline::merge_lora(const std::pair<std::string, double>& lora) {
  auto adapter = std::make_shared<LoraAdapter>(*transformer_, lora_options_from_file(lora.first));
  adapter->to(transformer_->img_in->proj->weight.device());  // the host with Offload::Blocks; float32
  adapter->load_file(lora.first);
  adapter->set_strength(lora.second);
  adapter->merge();
  lora_ = adapter;
}

torch::Tensor VivaPipeline::velocity(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& source,
                                     const torch::Tensor& reference, const torch::Tensor& tokens,
                                     const torch::Tensor& mask, const torch::Tensor& pooled, double embedded_guidance) {
  HunyuanDit& dit = transformer();
  DitInput in;
  in.x = x.to(device_, dtype_);
  if (source.defined()) in.source = source.to(device_, dtype_);
  if (reference.defined()) in.reference = reference.to(device_, dtype_);
  in.t = t.to(device_, torch::kFloat32);
  in.text = tokens.to(device_, dtype_);
  in.text_mask = mask.to(device_);
  in.pooled = pooled.to(device_, dtype_);
  if (dit->options.guidance_embed)
    in.guidance = torch::full({x.size(0)}, 1000.0 * embedded_guidance, torch::TensorOptions().device(device_));
  return dit->forward(in).to(torch::kFloat32);
}

VelocityFn VivaPipeline::guided_velocity(const EditConditions& given, double guidance, double embedded_guidance) {
  const EditConditions c = conditions_on(given, device_);  // once, not at every step: callers may hold them on the host
  // Conditions are [1, ...]; expand() broadcasts them over the batch without copying.
  auto batch = [](const torch::Tensor& t, int64_t b) {
    if (!t.defined() || t.size(0) == b) return t;
    std::vector<int64_t> sizes = t.sizes().vec();
    sizes[0] = b;
    return t.expand(sizes).contiguous();
  };
  const VelocityFn conditional = [this, c, batch, embedded_guidance](const torch::Tensor& x, const torch::Tensor& t) {
    const int64_t b = x.size(0);
    return velocity(x, t, batch(c.source, b), batch(c.reference, b), batch(c.tokens, b), batch(c.mask, b),
                    batch(c.pooled, b), embedded_guidance);
  };
  const VelocityFn unconditional = [this, c, batch, embedded_guidance](const torch::Tensor& x, const torch::Tensor& t) {
    const int64_t b = x.size(0);
    return velocity(x, t, batch(c.source, b), batch(c.reference, b), batch(c.uncond_tokens, b),
                    batch(c.uncond_mask, b), batch(c.uncond_pooled, b), embedded_guidance);
  };
  return classifier_free_guidance(conditional, unconditional, guidance);
}

torch::Tensor VivaPipeline::seeded_noise(at::IntArrayRef sizes, uint64_t seed) const {
  auto generator = at::detail::createCPUGenerator(seed);
  return torch::randn(sizes, generator, torch::kFloat32).to(device_);
}

torch::Tensor VivaPipeline::sample(const EditConditions& c, const SamplingOptions& options,
                                   const std::function<void(int, int)>& on_step, const torch::Tensor& noise,
                                   const torch::Tensor& known) {
  torch::NoGradGuard no_grad;
  const torch::Tensor start = noise.defined() ? noise.to(device_) : seeded_noise(c.source.sizes(), options.seed);
  const FlowSchedule schedule = FlowSchedule::shifted(options.steps, options.shift);
  const VelocityFn velocity = guided_velocity(c, options.guidance, options.embedded_guidance);
  EulerStep euler;
  if (!known.defined()) return sample_flow(start, schedule, velocity, euler, on_step);
  KnownFramesStep keep_known(euler, known, start);
  return sample_flow(start, schedule, velocity, keep_known, on_step);
}

}  // namespace viva
