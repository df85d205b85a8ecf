"""Writes the golden fixture llava_tiny.safetensors with Hugging Face transformers'
LlavaForConditionalGeneration (the reference for the LLaVA layout) on seeded random weights, in
float32 on CPU, following ../shared/golden/README.md's conventions:

  weights under the names save_pretrained writes; inputs under input.*, outputs under output.*,
  intermediate activations under inter.*; metadata config (the saved config.json), source,
  call, seed, torch_version.

Run where torch and transformers are installed (the lent GPU machine has both):
  python3 tools/gpu/make_llava_fixture.py OUT.safetensors
"""
import json
import os
import re
import sys
import tempfile

import torch
import transformers
from safetensors.torch import load_file, save_file
from transformers import CLIPVisionConfig, LlamaConfig, LlavaConfig, LlavaForConditionalGeneration

SEED = 0
IMAGE_TOKEN = 299


def redraw(model):
    """Every parameter drawn again so that no branch is zero or identity at initialisation."""
    generator = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name and name.endswith("weight"):
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=generator))
            elif p.dim() >= 2:
                p.copy_(0.05 * torch.randn(p.shape, generator=generator))
            else:
                p.copy_(0.1 * torch.randn(p.shape, generator=generator))


def main(out_path):
    torch.manual_seed(SEED)
    vision = CLIPVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=3, num_attention_heads=2,
                              image_size=32, patch_size=8, hidden_act="quick_gelu", layer_norm_eps=1e-5,
                              projection_dim=24)
    text = LlamaConfig(vocab_size=300, hidden_size=64, intermediate_size=96, num_hidden_layers=3,
                       num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-5, rope_theta=500000.0,
                       max_position_embeddings=256, tie_word_embeddings=False)
    config = LlavaConfig(vision_config=vision, text_config=text, image_token_index=IMAGE_TOKEN,
                         projector_hidden_act="gelu", vision_feature_layer=-2,
                         vision_feature_select_strategy="default", image_seq_length=16)
    model = LlavaForConditionalGeneration(config).eval()
    redraw(model)

    # Capture the projector's output (the spliced image embeddings) and each decoder layer's
    # output (residual stream, no final norm) with hooks, whatever the version's return types.
    captured = {}
    def keep(key):
        def hook(_module, _inputs, output):
            captured[key] = (output[0] if isinstance(output, tuple) else output).detach().clone()
        return hook
    for name, module in model.named_modules():
        if name.endswith("multi_modal_projector"):
            module.register_forward_hook(keep("image_features"))
        m = re.search(r"language_model\.(?:model\.)?layers\.(\d+)$", name)
        if m:
            module.register_forward_hook(keep("layer_%d" % (int(m.group(1)) + 1)))

    generator = torch.Generator().manual_seed(SEED + 1)
    pixel_values = torch.randn(2, 3, 32, 32, generator=generator)
    prompt = [5, 6, IMAGE_TOKEN, 7, 8, IMAGE_TOKEN, 9, 10, 11]
    expanded = []
    for token in prompt:
        expanded += [token] * 16 if token == IMAGE_TOKEN else [token]
    with torch.no_grad():
        result = model(input_ids=torch.tensor([expanded]), pixel_values=pixel_values)

    with tempfile.TemporaryDirectory() as folder:
        model.save_pretrained(folder, safe_serialization=True)
        weights = load_file(os.path.join(folder, "model.safetensors"))
        with open(os.path.join(folder, "config.json")) as f:
            saved_config = json.load(f)

    tensors = {name: t.contiguous() for name, t in weights.items()}
    tensors["input.pixel_values"] = pixel_values
    tensors["input.input_ids"] = torch.tensor([prompt])  # one <image> token per image
    tensors["input.input_ids_expanded"] = torch.tensor([expanded])  # what the model was called with
    tensors["inter.image_features"] = captured["image_features"].reshape(2, 16, -1)
    for k in (1, 2, 3):
        tensors["output.hidden_after_layer_%d" % k] = captured["layer_%d" % k]
    tensors["output.logits"] = result.logits.detach()
    metadata = {
        "config": json.dumps(saved_config),
        "source": "huggingface/transformers %s, LlavaForConditionalGeneration" % transformers.__version__,
        "call": "model(input_ids=input.input_ids_expanded, pixel_values=input.pixel_values); "
                "hooks on multi_modal_projector and language_model layers",
        "seed": str(SEED),
        "torch_version": torch.__version__,
    }
    save_file(tensors, out_path, metadata=metadata)
    print("wrote %s: %d tensors, weight names e.g. %s" % (out_path, len(tensors), sorted(weights)[:3]))


if __name__ == "__main__":
    main(sys.argv[1])
