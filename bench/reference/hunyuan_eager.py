"""The PyTorch-eager half of viva_bench_vs_reference: Tencent's HunyuanVideo modules (and, for the
VAE's attention, diffusers' own Attention) built from a seed, run on CPU in fp32.

  /usr/bin/python3 hunyuan_eager.py make CASE FIXTURE      weights, inputs, outputs (and gradients)
  /usr/bin/python3 hunyuan_eager.py time CASE REPEATS      median seconds of REPEATS after a warm-up
  /usr/bin/python3 hunyuan_eager.py profile CASE TRACE     one profiled run as a chrome trace
  /usr/bin/python3 hunyuan_eager.py breakdown EAGER_TRACE VIVA_TRACE   operators' self times side by side
  /usr/bin/python3 hunyuan_eager.py check                  prints what is missing, exit 1 if anything

Environment: HUNYUAN_REFERENCE = a HunyuanVideo checkout (github Tencent-Hunyuan/HunyuanVideo, the
folder holding hyvideo/); DIFFUSERS_SRC = a diffusers checkout (github huggingface/diffusers) for
the VAE cases; VIVA_BENCH_THREADS (default 2).

Cases: dit-{forward,backward,train}-{mid,mid3456,shipped} and vae-decode. The DiT configurations:
  mid       hidden 512, 4 heads of 128, 2 double + 4 single blocks, RoPE 16/56/56, guidance
            embedding, 64 text tokens of which 40 valid, latent 5x32x32 (1280 image tokens)
  mid3456   the same on a 9x32x48 latent (3456 image tokens)
  shipped   the shipped model's widths (hidden 128, 2 heads, 1x1x1 patches, RoPE 16/24/24, text
            width 32) on its 3x8x8 latent, 24 of 32 text tokens valid
backward = forward + mean squared error to a fixed target + backward; train = that plus gradient
clipping at 1 and one AdamW step (lr 1e-4, no weight decay). vae-decode: the HunyuanVideo VAE's
decoder (block widths 128/256/512/512, 2 layers, mid-block attention) from a 3x16x16 latent to a
9-frame 128x128 clip. flash-attn's varlen kernel is replaced by plain attention inside the same
segments (the padding tokens form their own segment, as with flash), the same rule as the
project's yardstick in ../shared/perf.
"""
import importlib.util
import json
import math
import os
import sys
import time
import types

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "fixtures"))
from safetensors_writer import save_safetensors  # noqa: E402
SEED = 7

DIT = {
    "mid": dict(hidden_size=512, heads_num=4, rope_dim_list=[16, 56, 56], patch_size=[1, 2, 2],
                mm_double_blocks_depth=2, mm_single_blocks_depth=4, guidance_embed=True,
                text_states_dim=256, text_states_dim_2=128, text_tokens=64, valid_text=40, latent=[5, 32, 32]),
    "shipped": dict(hidden_size=128, heads_num=2, rope_dim_list=[16, 24, 24], patch_size=[1, 1, 1],
                    mm_double_blocks_depth=2, mm_single_blocks_depth=4, guidance_embed=False,
                    text_states_dim=32, text_states_dim_2=32, text_tokens=32, valid_text=24, latent=[3, 8, 8]),
}
DIT["mid3456"] = dict(DIT["mid"], latent=[9, 32, 48])


def missing():
    problems = []
    ref = os.environ.get("HUNYUAN_REFERENCE", "")
    if not os.path.isfile(os.path.join(ref, "hyvideo", "modules", "models.py")):
        problems.append("HUNYUAN_REFERENCE must name a HunyuanVideo checkout (the folder holding hyvideo/)")
    src = os.environ.get("DIFFUSERS_SRC", "")
    if not os.path.isfile(os.path.join(src, "src", "diffusers", "models", "attention_processor.py")):
        problems.append("DIFFUSERS_SRC must name a diffusers checkout (for the VAE cases)")
    return problems


# --- imports: the reference's modules with stand-ins for packages Debian does not have --------

def module(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    m.__path__ = []
    sys.modules[name] = m
    return m


def rearrange(x, pattern, **sizes):
    """The einops patterns the HunyuanVideo DiT and VAE use."""
    p = pattern.replace(" ", "")
    if p == "BL(KHD)->KBLHD":
        B, L, _ = x.shape
        return x.view(B, L, sizes["K"], sizes["H"], -1).permute(2, 0, 1, 3, 4)
    if p == "bcfhw->b(fhw)c":
        return x.flatten(2).transpose(1, 2)
    if p == "b(fhw)c->bcfhw":
        b, _, c = x.shape
        return x.transpose(1, 2).reshape(b, c, sizes["f"], sizes["h"], sizes["w"])
    raise NotImplementedError(pattern)


def register_to_config(init):
    """diffusers' decorator: the constructor's arguments, defaults included, as self.config."""
    import functools
    import inspect

    @functools.wraps(init)
    def wrapped(self, *args, **kwargs):
        bound = inspect.signature(init).bind(self, *args, **kwargs)
        bound.apply_defaults()
        arguments = {k: v for k, v in bound.arguments.items() if k != "self"}
        object.__setattr__(self, "config", types.SimpleNamespace(**arguments))
        init(self, *args, **kwargs)
    return wrapped


def identity_decorator(f=None, *a, **k):
    return f if callable(f) else (lambda g: g)


class Nothing:
    def __init__(self, *a, **k):
        raise NotImplementedError("not used by the benchmarked paths")


def load_file(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    m = importlib.util.module_from_spec(spec)
    sys.modules[name] = m
    spec.loader.exec_module(m)
    return m


def import_reference(with_vae):
    import logging as pylogging
    module("einops", rearrange=rearrange, repeat=Nothing)
    module("diffusers")
    module("diffusers.configuration_utils", ConfigMixin=type("ConfigMixin", (), {}), register_to_config=register_to_config)
    module("diffusers.models", ModelMixin=torch.nn.Module)
    module("diffusers.models.modeling_utils", ModelMixin=torch.nn.Module)
    if with_vae:
        src = os.path.join(os.environ["DIFFUSERS_SRC"], "src", "diffusers")
        module("diffusers.utils", logging=types.SimpleNamespace(get_logger=pylogging.getLogger),
                       deprecate=lambda *a, **k: None, is_torch_xla_available=lambda: False,
                       is_torch_version=lambda op, v: False, BaseOutput=type("BaseOutput", (), {}))
        module("diffusers.utils.import_utils", is_torch_npu_available=lambda: False, is_torch_xla_version=lambda *a: False,
               is_xformers_available=lambda: False)
        module("diffusers.utils.torch_utils", is_torch_version=lambda op, v: False, maybe_allow_in_graph=identity_decorator,
               randn_tensor=lambda shape, generator=None, device=None, dtype=None: torch.randn(shape, generator=generator))
        module("diffusers.utils.accelerate_utils", apply_forward_hook=identity_decorator)
        module("diffusers.image_processor", IPAdapterMaskProcessor=Nothing)
        module("diffusers.loaders", FromOriginalVAEMixin=type("FromOriginalVAEMixin", (), {}))
        module("diffusers.models.modeling_outputs", AutoencoderKLOutput=Nothing)
        module("diffusers.models.normalization", AdaGroupNorm=Nothing, RMSNorm=Nothing, FP32LayerNorm=Nothing, LpNorm=Nothing)
        module("diffusers.models.activations",
               get_activation=lambda name: {"silu": torch.nn.SiLU, "swish": torch.nn.SiLU, "gelu": torch.nn.GELU}[name]())
        load_file("diffusers.models.attention_processor", os.path.join(src, "models", "attention_processor.py"))
    sys.path.insert(0, os.environ["HUNYUAN_REFERENCE"])


# --- the DiT ------------------------------------------------------------------------------

def varlen_attention(q, k, v, mode="flash", drop_rate=0, attn_mask=None, causal=False, cu_seqlens_q=None,
                     cu_seqlens_kv=None, max_seqlen_q=None, max_seqlen_kv=None, batch_size=1):
    """flash_attn_varlen_func on CPU: attention within each cu_seqlens segment."""
    if mode == "torch":  # the token refiner (torch 1.13 has no scaled_dot_product_attention)
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))
        s = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
        if attn_mask is not None:
            s = s.masked_fill(~attn_mask, float("-inf")) if attn_mask.dtype == torch.bool else s + attn_mask
        o = torch.softmax(s, -1) @ v
        return o.transpose(1, 2).flatten(2)
    b, s, a, d = q.shape
    fq, fk, fv = (t.reshape(b * s, a, d) for t in (q, k, v))
    parts = []
    bounds = cu_seqlens_q.tolist()
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        if hi > lo:
            qq, kk, vv = (t[lo:hi].transpose(0, 1) for t in (fq, fk, fv))
            w = torch.softmax(qq @ kk.transpose(-1, -2) / math.sqrt(d), -1)
            parts.append((w @ vv).transpose(0, 1))
    return torch.cat(parts).view(b, s, a * d)


def cu_seqlens(text_mask, img_len):
    b, total = text_mask.shape[0], text_mask.shape[1] + img_len
    lengths = text_mask.sum(dim=1)
    cu = torch.zeros([2 * b + 1], dtype=torch.int32)
    for i in range(b):
        cu[2 * i + 1] = i * total + lengths[i] + img_len
        cu[2 * i + 2] = (i + 1) * total
    return cu


class Dit:
    def __init__(self, name):
        import hyvideo.modules.attenion as attention_module
        import hyvideo.modules.models as models
        import hyvideo.modules.token_refiner as refiner
        from hyvideo.modules.posemb_layers import get_nd_rotary_pos_embed
        models.attention = refiner.attention = varlen_attention
        models.get_cu_seqlens = attention_module.get_cu_seqlens = cu_seqlens
        c = DIT[name]
        self.config = dict(patch_size=c["patch_size"], in_channels=16, out_channels=16, hidden_size=c["hidden_size"],
                           heads_num=c["heads_num"], mlp_width_ratio=4.0, mlp_act_type="gelu_tanh",
                           mm_double_blocks_depth=c["mm_double_blocks_depth"],
                           mm_single_blocks_depth=c["mm_single_blocks_depth"], rope_dim_list=c["rope_dim_list"],
                           qkv_bias=True, qk_norm=True, qk_norm_type="rms", guidance_embed=c["guidance_embed"],
                           text_projection="single_refiner", use_attention_mask=True)
        args = types.SimpleNamespace(text_states_dim=c["text_states_dim"], text_states_dim_2=c["text_states_dim_2"])
        torch.manual_seed(SEED)
        self.model = models.HYVideoDiffusionTransformer(args, **self.config).float()
        with torch.no_grad():
            for p in self.model.parameters():
                p.normal_(0.0, 0.02 if p.dim() > 1 else 0.1)
        T, H, W = c["latent"]
        L = c["text_tokens"]
        self.inputs = {"x": torch.randn(1, 16, T, H, W), "t": torch.tensor([617.25]),
                       "text_states": torch.randn(1, L, c["text_states_dim"]),
                       "text_mask": (torch.arange(L) < c["valid_text"]).long().unsqueeze(0),
                       "text_states_2": torch.randn(1, c["text_states_dim_2"]),
                       "guidance": torch.tensor([6016.0]), "target": torch.randn(1, 16, T, H, W)}
        p = c["patch_size"]
        cos, sin = get_nd_rotary_pos_embed(c["rope_dim_list"], [T // p[0], H // p[1], W // p[2]], theta=256,
                                           use_real=True, theta_rescale_factor=1)
        self.cos, self.sin = cos.float(), sin.float()
        self.config.update(text_states_dim=c["text_states_dim"], text_states_dim_2=c["text_states_dim_2"])
        self.optimizer = None

    def forward(self):
        i = self.inputs
        return self.model(i["x"], i["t"], i["text_states"], i["text_mask"], i["text_states_2"], self.cos, self.sin,
                          i["guidance"] if self.config["guidance_embed"] else None, return_dict=True)["x"]

    def loss(self):
        return ((self.forward() - self.inputs["target"]) ** 2).mean()

    def run(self, kind):
        if kind == "forward":
            with torch.no_grad():
                return self.forward()
        self.model.zero_grad(set_to_none=True)
        loss = self.loss()
        loss.backward()
        if kind == "train":
            if self.optimizer is None:
                self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=1e-4, weight_decay=0.0)
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
            self.optimizer.step()
        return loss.detach()

    GRADIENTS = ["final_layer.linear.weight", "double_blocks.0.img_attn_qkv.weight", "double_blocks.1.txt_mlp.fc1.weight",
                 "single_blocks.0.linear1.weight", "single_blocks.3.linear2.weight",
                 "txt_in.individual_token_refiner.blocks.0.self_attn_qkv.weight"]

    def fixture(self, kind):
        tensors = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
        tensors.update({"input." + k: v for k, v in self.inputs.items()})
        if kind == "forward":
            tensors["output.x"] = self.run("forward")
        else:
            tensors["output.loss"] = self.run("backward").reshape(1)
            params = dict(self.model.named_parameters())
            for name in self.GRADIENTS:
                tensors["grad." + name] = params[name].grad.detach().clone()
        return tensors, {"config": json.dumps(self.config)}


# --- the VAE decoder -----------------------------------------------------------------------

class VaeDecode:
    CONFIG = dict(in_channels=3, out_channels=3, latent_channels=16, down_block_types=["DownEncoderBlockCausal3D"] * 4,
                  up_block_types=["UpDecoderBlockCausal3D"] * 4, block_out_channels=[128, 256, 512, 512],
                  layers_per_block=2, act_fn="silu", norm_num_groups=32, sample_size=256, sample_tsize=64,
                  scaling_factor=0.476986, time_compression_ratio=4, spatial_compression_ratio=8,
                  mid_block_add_attention=True)

    def __init__(self):
        from hyvideo.vae.autoencoder_kl_causal_3d import AutoencoderKLCausal3D
        torch.manual_seed(SEED)
        self.model = AutoencoderKLCausal3D(**self.CONFIG).float().eval()
        with torch.no_grad():
            for p in self.model.parameters():
                p.normal_(0.0, 0.02 if p.dim() > 1 else 0.1)
        self.latent = torch.randn(1, 16, 3, 16, 16)

    def run(self, kind=None):
        with torch.no_grad():
            return self.model.decoder(self.model.post_quant_conv(self.latent))

    def fixture(self, kind):
        tensors = {k: v.detach().clone() for k, v in self.model.state_dict().items()
                   if k.startswith(("decoder.", "post_quant_conv."))}
        tensors["input.latent"] = self.latent
        tensors["output.video"] = self.run()
        return tensors, {"config": json.dumps(self.CONFIG)}


def build(case):
    if case == "vae-decode":
        import_reference(with_vae=True)
        return VaeDecode(), None
    _, kind, config = case.split("-", 2)
    if kind not in ("forward", "backward", "train") or config not in DIT:
        raise SystemExit(f"unknown case {case}")
    import_reference(with_vae=False)
    return Dit(config), kind


def self_times(path):
    """Self time (microseconds) and calls per operator of a chrome trace from the legacy profiler."""
    with open(path) as f:
        trace = json.load(f)
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    by_thread = {}
    for e in events:
        if e.get("ph") == "X":
            by_thread.setdefault((e.get("pid"), e.get("tid")), []).append(e)
    totals, calls = {}, {}
    for evs in by_thread.values():
        evs.sort(key=lambda e: (e["ts"], -e["dur"]))
        stack = []  # [end, name, children's time]
        def close(item):
            end, name, child = item
            totals[name] = totals.get(name, 0.0) + (item_duration[id(item)] - child)
        item_duration = {}
        for e in evs:
            while stack and stack[-1][0] <= e["ts"]:
                close(stack.pop())
            if stack:
                stack[-1][2] += e["dur"]
            item = [e["ts"] + e["dur"], e["name"], 0.0]
            item_duration[id(item)] = e["dur"]
            calls[e["name"]] = calls.get(e["name"], 0) + 1
            stack.append(item)
        while stack:
            close(stack.pop())
    return totals, calls


def breakdown(eager_path, viva_path):
    (eager, eager_calls), (viva, viva_calls) = self_times(eager_path), self_times(viva_path)
    names = sorted(set(eager) | set(viva), key=lambda n: -max(eager.get(n, 0), viva.get(n, 0)))
    te, tv = sum(eager.values()), sum(viva.values())
    print(f"  {'operator (self time)':34s} {'eager ms':>9s} {'calls':>6s} {'viva ms':>9s} {'calls':>6s}")
    for n in names[:25]:
        print(f"  {n[:34]:34s} {eager.get(n, 0) / 1e3:9.1f} {eager_calls.get(n, 0):6d} "
              f"{viva.get(n, 0) / 1e3:9.1f} {viva_calls.get(n, 0):6d}")
    print(f"  {'all operators':34s} {te / 1e3:9.1f} {sum(eager_calls.values()):6d} "
          f"{tv / 1e3:9.1f} {sum(viva_calls.values()):6d}")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "breakdown":
        breakdown(sys.argv[2], sys.argv[3])
        return
    if len(sys.argv) >= 2 and sys.argv[1] == "check":
        problems = missing()
        print("\n".join(problems) if problems else "ok")
        sys.exit(1 if problems else 0)
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    command, case, arg = sys.argv[1:]
    torch.set_num_threads(int(os.environ.get("VIVA_BENCH_THREADS", "2")))
    model, kind = build(case)
    if command == "make":
        tensors, metadata = model.fixture(kind)
        save_safetensors(arg, tensors, metadata)
        print(json.dumps({"case": case, "fixture": arg, "torch": torch.__version__}))
    elif command == "time":
        model.run(kind)  # warm-up (and the optimizer's state for train)
        times = []
        for _ in range(int(arg)):
            start = time.perf_counter()
            model.run(kind)
            times.append(time.perf_counter() - start)
        times.sort()
        print(json.dumps({"case": case, "median_s": times[len(times) // 2], "min_s": times[0], "times": times}))
    elif command == "profile":
        model.run(kind)
        with torch.autograd.profiler.profile(use_kineto=False) as prof:
            model.run(kind)
        prof.export_chrome_trace(arg)
        print(json.dumps({"case": case, "trace": arg}))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
