#include "viva/eval/flow_loss_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "viva/core/error.h"
#include "viva/core/strings.h"
#include "viva/diffusion/flow_schedule.h"
#include "viva/pipeline/viva_pipeline.h"

namespace viva {

namespace {

struct Sums {
  double inside = 0, outside = 0;
  void add(const torch::Tensor& error, const torch::Tensor& mask) {
    const auto squared = error.pow(2);
    inside += (squared * mask).sum().item<double>();
    outside += (squared * (1 - mask)).sum().item<double>();
  }
};

double inside_sum(const torch::Tensor& error, const torch::Tensor& mask) {
  return (error.pow(2) * mask).sum().item<double>();
}

double mean_or_nan(double sum, double count) { return count > 0 ? sum / count : std::nan(""); }

// The first max_rows samples (0: all) whose task is one of options.tasks (empty: any).
std::vector<int64_t> select_samples(const ConditionCache& cache, const FlowLossOptions& options) {
  const auto wanted = [&](const std::string& task) {
    return options.tasks.empty() || std::find(options.tasks.begin(), options.tasks.end(), task) != options.tasks.end();
  };
  std::vector<int64_t> selected;
  for (int64_t i = 0; i < cache.size(); ++i) {
    if (options.max_rows > 0 && static_cast<int64_t>(selected.size()) == options.max_rows) break;
    if (wanted(cache.task(i))) selected.push_back(i);
  }
  return selected;
}

}  // namespace

FlowLossOptions::Drop parse_flow_loss_drop(const std::string& name) {
  if (name == "instruction") return FlowLossOptions::Drop::instruction;
  if (name == "tokens") return FlowLossOptions::Drop::tokens;
  if (name == "pooled") return FlowLossOptions::Drop::pooled;
  throw Error("flow loss", "unknown part of the condition to drop '" + name + "' (instruction, tokens or pooled)");
}

std::string flow_loss_drop_name(FlowLossOptions::Drop drop) {
  switch (drop) {
    case FlowLossOptions::Drop::tokens: return "tokens";
    case FlowLossOptions::Drop::pooled: return "pooled";
    default: return "instruction";
  }
}

FlowLossReport measure_flow_loss(VivaPipeline& pipeline, const ConditionCache& cache, const FlowLossOptions& options) {
  torch::NoGradGuard no_grad;
  if (options.sigmas.empty()) throw Error("flow loss", "no noise levels given");
  for (double s : options.sigmas)
    if (!(s > 0 && s <= 1)) throw Error("flow loss", "noise level " + std::to_string(s) + " is outside (0, 1]");
  const std::vector<int64_t> selected = select_samples(cache, options);
  if (selected.empty())
    throw Error("flow loss", options.tasks.empty() ? "the cache holds no samples"
                                                   : "the cache holds no samples of the tasks " + join(options.tasks));
  HunyuanDit& dit = pipeline.transformer();
  const bool was_training = dit->is_training();
  dit->eval();
  const torch::Device device = dit->parameters().front().device();
  const double embedded_guidance = pipeline.config().sampling.embedded_guidance;

  FlowLossReport report;
  report.samples = static_cast<int64_t>(selected.size());
  report.tasks = options.tasks;
  report.drop = options.drop;
  const bool drop_tokens = options.drop != FlowLossOptions::Drop::pooled;
  const bool drop_pooled = options.drop != FlowLossOptions::Drop::tokens;
  std::vector<Sums> model(options.sigmas.size()), unconditional(options.sigmas.size());
  // Distance from copying (v = noise - source), inside the mask only.
  std::vector<double> change_inside(options.sigmas.size()), unconditional_change_inside(options.sigmas.size());
  Sums copy;  // x0 = source: the same at every noise level
  double inside_elements = 0, outside_elements = 0;
  for (const int64_t i : selected) {
    const CachedSample s = cache.load(i);
    report.has_source = s.source.defined();
    const auto to_batch = [&](const torch::Tensor& t) {
      return t.defined() ? t.unsqueeze(0).to(device, torch::kFloat32) : torch::Tensor();
    };
    const auto x0 = to_batch(s.target), source = to_batch(s.source), reference = to_batch(s.reference);
    const auto mask = to_batch(s.mask).expand_as(x0);
    const auto tokens = to_batch(s.tokens), pooled = to_batch(s.pooled);
    const auto token_mask = torch::ones({1, s.tokens.size(0)}, torch::kInt64).to(device);
    const auto uncond_tokens = drop_tokens ? to_batch(s.uncond_tokens) : tokens;
    const auto uncond_pooled = drop_pooled ? to_batch(s.uncond_pooled) : pooled;
    const auto uncond_mask = torch::ones({1, uncond_tokens.size(1)}, torch::kInt64).to(device);
    torch::Generator generator = at::detail::createCPUGenerator(options.seed + static_cast<uint64_t>(i));
    const auto noise = torch::randn(x0.sizes(), generator, torch::kFloat32).to(device);
    const double inside = mask.sum().item<double>();
    inside_elements += inside;
    outside_elements += static_cast<double>(mask.numel()) - inside;
    if (source.defined()) copy.add(x0 - source, mask);  // (noise - source) - (noise - x0)
    for (std::size_t k = 0; k < options.sigmas.size(); ++k) {
      const auto sigma = torch::full({1}, options.sigmas[k], torch::kFloat32).to(device);
      const auto x = noised_latent(x0, noise, sigma);
      const auto v = pipeline.velocity(x, sigma * 1000.0, source, reference, tokens, token_mask, pooled,
                                       embedded_guidance);
      model[k].add(v - (noise - x0), mask);
      const auto v_uncond = pipeline.velocity(x, sigma * 1000.0, source, reference, uncond_tokens, uncond_mask,
                                              uncond_pooled, embedded_guidance);
      unconditional[k].add(v_uncond - (noise - x0), mask);
      if (source.defined()) {
        change_inside[k] += inside_sum(v - (noise - source), mask);
        unconditional_change_inside[k] += inside_sum(v_uncond - (noise - source), mask);
      }
    }
  }
  if (was_training) dit->train();

  report.mask_share = inside_elements / (inside_elements + outside_elements);
  for (std::size_t k = 0; k < options.sigmas.size(); ++k) {
    FlowLossRow row;
    row.sigma = options.sigmas[k];
    row.model_inside = mean_or_nan(model[k].inside, inside_elements);
    row.model_outside = mean_or_nan(model[k].outside, outside_elements);
    row.unconditional_inside = mean_or_nan(unconditional[k].inside, inside_elements);
    row.unconditional_outside = mean_or_nan(unconditional[k].outside, outside_elements);
    row.copy_inside = report.has_source ? mean_or_nan(copy.inside, inside_elements) : std::nan("");
    row.copy_outside = report.has_source ? mean_or_nan(copy.outside, outside_elements) : std::nan("");
    row.change_inside = report.has_source ? mean_or_nan(change_inside[k], inside_elements) : std::nan("");
    row.unconditional_change_inside =
        report.has_source ? mean_or_nan(unconditional_change_inside[k], inside_elements) : std::nan("");
    report.rows.push_back(row);
  }
  return report;
}

std::string FlowLossReport::table() const {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%lld samples", static_cast<long long>(samples));
  out += line;
  if (!tasks.empty()) out += " (tasks " + join(tasks) + ")";
  if (drop != FlowLossOptions::Drop::instruction)
    out += std::string(", \"without\" drops only the instruction's ") +
           (drop == FlowLossOptions::Drop::tokens ? "tokens (the pooled vector stays)" : "pooled vector (the tokens stay)");
  std::snprintf(line, sizeof line, ", %.1f%% of latent elements inside the edit mask\n\n", 100.0 * mask_share);
  out += line;
  out += has_source ? "| sigma | model: inside mask | outside | without instruction: inside | outside | copy source: "
                      "inside | outside | change from copying, inside: model | without instruction |\n"
                      "|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
                    : "| sigma | model loss | without the caption |\n|---:|---:|---:|\n";
  for (const FlowLossRow& r : rows) {
    if (has_source)
      std::snprintf(line, sizeof line, "| %.2f | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f |\n",
                    r.sigma, r.model_inside, r.model_outside, r.unconditional_inside, r.unconditional_outside,
                    r.copy_inside, r.copy_outside, r.change_inside, r.unconditional_change_inside);
    else
      std::snprintf(line, sizeof line, "| %.2f | %.4f | %.4f |\n", r.sigma, r.model_outside, r.unconditional_outside);
    out += line;
  }
  return out;
}

nlohmann::json FlowLossReport::to_json() const {
  nlohmann::json rows_json = nlohmann::json::array();
  const auto number = [](double v) { return std::isnan(v) ? nlohmann::json() : nlohmann::json(v); };
  for (const FlowLossRow& r : rows)
    rows_json.push_back({{"sigma", r.sigma},
                         {"model_inside", number(r.model_inside)},
                         {"model_outside", number(r.model_outside)},
                         {"unconditional_inside", number(r.unconditional_inside)},
                         {"unconditional_outside", number(r.unconditional_outside)},
                         {"copy_inside", number(r.copy_inside)},
                         {"copy_outside", number(r.copy_outside)},
                         {"change_inside", number(r.change_inside)},
                         {"unconditional_change_inside", number(r.unconditional_change_inside)}});
  return {{"samples", samples}, {"tasks", tasks}, {"without", flow_loss_drop_name(drop)},
          {"mask_share", mask_share}, {"has_source", has_source}, {"rows", rows_json}};
}

}  // namespace viva
