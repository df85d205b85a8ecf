// viva against the reference implementation in PyTorch eager, side by side in one run: the same
// weights and inputs (bench/reference/hunyuan_eager.py builds them from a seed with Tencent's
// HunyuanVideo modules and writes them out), the same libtorch, the same thread count. For each
// case it checks viva's result against the reference's, then times both in alternating rounds
// (each round: REPEATS timed runs after a warm-up, reference and viva in turn, the order flipped
// every round) and prints the medians of the round medians and their ratio.
//
// Cases (their configurations: hunyuan_eager.py's docstring):
//   dit-forward-mid  dit-backward-mid  dit-forward-mid3456  dit-backward-mid3456
//   dit-forward-shipped  dit-backward-shipped  dit-train-shipped  dit-train-mid  vae-decode
//
// Needs Debian's python3-torch under /usr/bin/python3, HUNYUAN_REFERENCE (a HunyuanVideo
// checkout) and, for vae-decode, DIFFUSERS_SRC (a diffusers checkout); says what is missing
// and exits 0 without them.
//
// Usage: viva_bench_vs_reference [--cases a,b,...] [--rounds 3] [--repeats 3] [--threads 2]
//                                [--work DIR] [--profile]
//   --profile  also writes one profiled run of each side as chrome traces into DIR and prints
//              the operators' self times side by side (hunyuan_eager.py breakdown).
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "viva/core/checkpoint.h"
#include "viva/core/device.h"
#include "viva/core/safetensors.h"
#include "viva/core/strings.h"
#include "viva/models/dit/dit_checkpoint.h"
#include "viva/models/dit/hunyuan_dit.h"
#include "viva/models/vae/causal_vae.h"
#include "viva/nn/weight_loading.h"

namespace {

using namespace viva;
namespace fs = std::filesystem;

const std::string kPython = "/usr/bin/python3";
const std::string kScript = std::string(VIVA_SOURCE_DIR) + "/bench/reference/hunyuan_eager.py";

struct Options {
  std::vector<std::string> cases = {"dit-forward-mid", "dit-backward-mid", "dit-forward-mid3456",
                                    "dit-backward-mid3456", "dit-forward-shipped", "dit-backward-shipped",
                                    "dit-train-shipped", "vae-decode"};
  int rounds = 3, repeats = 3, threads = 2, viva_threads = 0;
  std::string work = "/tmp/viva-bench-vs-reference";
  bool profile = false;
};

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs the reference script; returns its stdout's last line (a JSON object) or throws.
std::string run_reference(const std::vector<std::string>& args, int threads, int* status = nullptr) {
  // The reference runs as PyTorch would for the user: without the wait policy viva set for itself.
  const bool undo = std::getenv("VIVA_UNSET_OMP_WAIT_POLICY") && !std::getenv("VIVA_BENCH_REFERENCE_KEEPS_POLICY");
  std::string command = std::string(undo ? "env -u OMP_WAIT_POLICY " : "") + "VIVA_BENCH_THREADS=" +
                        std::to_string(threads) + " " + kPython + " " + shell_quote(kScript);
  for (const auto& a : args) command += " " + shell_quote(a);
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot start " + kPython);
  std::string output;
  char buffer[4096];
  while (fgets(buffer, sizeof buffer, pipe)) output += buffer;
  const int code = pclose(pipe);
  if (status) {
    *status = code;
    return output;
  }
  if (code != 0) throw std::runtime_error("reference failed: " + command + "\n" + output);
  const auto end = output.find_last_not_of('\n');
  const auto start = output.rfind('\n', end);
  return output.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
}

std::vector<std::string> comma_list(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream stream(text);
  for (std::string item; std::getline(stream, item, ',');)
    if (!item.empty()) items.push_back(item);
  return items;
}

double relative_error(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>() /
         std::max(b.to(torch::kFloat64).abs().max().item<double>(), 1e-30);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// viva's side of one case: `run` is what is timed; `parity` compares with the fixture's outputs.
struct VivaCase {
  std::function<void()> run;
  std::function<double()> parity;
};

// The fixture's model tensors alone (the loaders are strict about unexpected names).
std::string weights_of(const Checkpoint& fixture, const std::string& path) {
  std::vector<NamedTensor> weights;
  for (const auto& name : fixture.names())
    if (!starts_with(name, "input.") && !starts_with(name, "output.") && !starts_with(name, "grad."))
      weights.push_back({name, fixture.load(name)});
  save_safetensors(path, weights);
  return path;
}

VivaCase dit_case(const std::string& fixture_path, const std::string& kind) {
  auto fixture = std::make_shared<Checkpoint>(fixture_path);
  const auto options = DitOptions::from_json(nlohmann::json::parse(fixture->metadata().at("config")), fixture_path);
  auto model = std::make_shared<HunyuanDit>(options);
  load_dit(*model, Checkpoint(weights_of(*fixture, fixture_path + ".weights.safetensors")));
  auto input = std::make_shared<DitInput>();
  input->x = fixture->load("input.x");
  input->t = fixture->load("input.t");
  input->text = fixture->load("input.text_states");
  input->text_mask = fixture->load("input.text_mask");
  input->pooled = fixture->load("input.text_states_2");
  if (options.guidance_embed) input->guidance = fixture->load("input.guidance");
  const auto target = fixture->load("input.target");
  auto loss = [model, input, target] { return ((*model)->forward(*input) - target).pow(2).mean(); };
  VivaCase c;
  if (kind == "forward") {
    c.run = [model, input] {
      torch::NoGradGuard no_grad;
      (*model)->forward(*input);
    };
    c.parity = [model, input, fixture] {
      torch::NoGradGuard no_grad;
      return relative_error((*model)->forward(*input), fixture->load("output.x"));
    };
    return c;
  }
  auto optimizer = std::make_shared<std::unique_ptr<torch::optim::AdamW>>();
  c.run = [model, loss, kind, optimizer] {
    (*model)->zero_grad(true);
    loss().backward();
    if (kind == "train") {
      if (!*optimizer)
        *optimizer = std::make_unique<torch::optim::AdamW>((*model)->parameters(),
                                                           torch::optim::AdamWOptions(1e-4).weight_decay(0.0));
      torch::nn::utils::clip_grad_norm_((*model)->parameters(), 1.0);
      (*optimizer)->step();
    }
  };
  c.parity = [model, loss, fixture] {
    (*model)->zero_grad(true);
    const auto value = loss();
    value.backward();
    double worst = relative_error(value.detach().reshape({1}), fixture->load("output.loss"));
    const auto params = (*model)->named_parameters();
    for (const auto& name : fixture->names())
      if (starts_with(name, "grad.")) worst = std::max(worst, relative_error(params[name.substr(5)].grad(), fixture->load(name)));
    return worst;
  };
  return c;
}

VivaCase vae_case(const std::string& fixture_path) {
  auto fixture = std::make_shared<Checkpoint>(fixture_path);
  const auto options = VaeOptions::from_json(nlohmann::json::parse(fixture->metadata().at("config")), fixture_path);
  auto model = std::make_shared<CausalVae>(options);
  WeightLoadOptions load;
  load.set_allow_missing([](const std::string& name) { return starts_with(name, "encoder.") || starts_with(name, "quant_conv."); });
  load_weights(**model, Checkpoint(weights_of(*fixture, fixture_path + ".weights.safetensors")), load);
  const auto latent = fixture->load("input.latent");
  VivaCase c;
  c.run = [model, latent] {
    torch::NoGradGuard no_grad;
    (*model)->decode_untiled(latent);
  };
  c.parity = [model, latent, fixture] {
    torch::NoGradGuard no_grad;
    return relative_error((*model)->decode_untiled(latent), fixture->load("output.video"));
  };
  return c;
}

VivaCase viva_case(const std::string& name, const std::string& fixture) {
  if (name == "vae-decode") return vae_case(fixture);
  const auto kind = name.substr(4, name.find('-', 4) - 4);  // dit-KIND-CONFIG
  return dit_case(fixture, kind);
}

double time_viva(const VivaCase& c, int repeats) {
  c.run();  // warm-up (and the optimizer's state)
  std::vector<double> times;
  for (int i = 0; i < repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    c.run();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return median(times);
}

double time_reference(const std::string& name, int repeats, int threads) {
  return nlohmann::json::parse(run_reference({"time", name, std::to_string(repeats)}, threads)).at("median_s");
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--cases") o.cases = comma_list(value());
    else if (a == "--rounds") o.rounds = std::stoi(value());
    else if (a == "--repeats") o.repeats = std::stoi(value());
    else if (a == "--threads") o.threads = std::stoi(value());
    else if (a == "--viva-threads") o.viva_threads = std::stoi(value());
    else if (a == "--work") o.work = value();
    else if (a == "--profile") o.profile = true;
    else throw std::runtime_error("unknown argument " + a + " (see the comment at the top of bench/vs_reference_bench.cpp)");
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) try {
  if (!openmp_wait_policy_chosen()) setenv("VIVA_UNSET_OMP_WAIT_POLICY", "1", 1);  // survives the restart
  wait_passively_in_openmp(argv);
  const Options o = parse(argc, argv);
  if (!fs::exists(kPython)) {
    std::printf("skipped: %s is missing (apt-get install python3-torch)\n", kPython.c_str());
    return 0;
  }
  int status = 0;
  const std::string check = run_reference({"check"}, o.threads, &status);
  if (status != 0) {
    std::printf("skipped: the reference side cannot run:\n%s", check.c_str());
    return 0;
  }
  configure_cpu_threads(o.viva_threads > 0 ? o.viva_threads : o.threads);
  fs::create_directories(o.work);
  std::printf("%-22s %12s %12s %9s %10s\n", "case", "eager (s)", "viva (s)", "speed-up", "parity");
  for (const auto& name : o.cases) {
    const std::string fixture = o.work + "/" + name + ".safetensors";
    run_reference({"make", name, fixture}, o.threads);
    const VivaCase c = viva_case(name, fixture);
    const double parity = c.parity();
    std::vector<double> eager, viva;
    for (int r = 0; r < o.rounds; ++r) {
      if (r % 2 == 0) eager.push_back(time_reference(name, o.repeats, o.threads));
      viva.push_back(time_viva(c, o.repeats));
      if (r % 2 == 1) eager.push_back(time_reference(name, o.repeats, o.threads));
    }
    const double e = median(eager), v = median(viva);
    std::printf("%-22s %12.4f %12.4f %8.2fx %10.2g\n", name.c_str(), e, v, e / v, parity);
    std::printf("%s\n", nlohmann::json({{"case", name}, {"eager_round_medians_s", eager}, {"viva_round_medians_s", viva},
                                        {"speedup", e / v}, {"max_relative_error", parity}, {"threads", o.threads},
                                        {"repeats", o.repeats}, {"torch", TORCH_VERSION}})
                            .dump()
                            .c_str());
    if (o.profile) {
      const std::string eager_trace = o.work + "/" + name + ".eager.trace.json", viva_trace = o.work + "/" + name + ".viva.trace.json";
      run_reference({"profile", name, eager_trace}, o.threads);
      c.run();
      {
        torch::autograd::profiler::RecordProfile guard(viva_trace);
        c.run();
      }
      std::printf("%s", run_reference({"breakdown", eager_trace, viva_trace}, o.threads, &status).c_str());
    }
    std::fflush(stdout);
    fs::remove(fixture);
    fs::remove(fixture + ".weights.safetensors");
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "viva_bench_vs_reference: %s\n", e.what());
  return 1;
}
