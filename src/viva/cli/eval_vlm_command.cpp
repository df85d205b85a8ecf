// viva eval vlm: edited videos scored by a VLM judge (paper §4.2, App. D.4) through an
// OpenAI-compatible chat endpoint.
#include <cstdio>
#include <memory>

#include "viva/cli/cli_common.h"
#include "viva/cli/vlm_options.h"
#include "viva/core/error.h"
#include "viva/eval/vlm_eval.h"

namespace viva::cli {
namespace {

struct EvalVlmArgs {
  VlmClientOptions client;
  VlmEvalOptions eval;
  std::string json;
};

void eval_vlm(const EvalVlmArgs& a) {
  const VlmClient client(a.client);
  const VlmEvalReport report = run_vlm_eval(client, a.eval);
  for (const ManifestProblem& p : report.problems)
    std::fprintf(stderr, "viva: warning: %s:%lld: %s (row skipped)\n", a.eval.manifest.c_str(),
                 static_cast<long long>(p.line), p.problem.c_str());
  std::fputs(vlm_eval_table(report).c_str(), stdout);
  for (const VlmEvalItem& item : report.items)
    if (!item.ok) std::printf("failed %s: %s\n", item.id.c_str(), item.error.c_str());
  write_json_report(a.json, vlm_eval_json(report));
  std::fflush(stdout);
  if (report.failed() > 0)
    throw Error("viva eval vlm", std::to_string(report.failed()) + " of " + std::to_string(report.items.size()) +
                                     " edits could not be scored (listed above)");
}

}  // namespace

void add_eval_vlm_command(CLI::App& eval) {
  auto a = std::make_shared<EvalVlmArgs>();
  auto* cmd = eval.add_subcommand(
      "vlm",
      "Score edited videos with a VLM judge (0-10: instruction following, source preservation, edit quality, and "
      "subject similarity for rows with a reference image) through an OpenAI-compatible chat endpoint; prints means "
      "per task and overall. Rows the judge cannot score are listed and counted, the rest go on; exit 1 if any "
      "failed. The API key is read from $VIVA_VLM_API_KEY (see --vlm-api-key-env)");
  cmd->add_option("--manifest", a->eval.manifest, "JSONL manifest: source, instruction, reference and task of each row")
      ->required();
  cmd->add_option("--pred", a->eval.predictions,
                  "Folder of edited videos named by row id: <id>.mkv, <id>.mp4 or <id>/ (PNG frames); rows without "
                  "one are skipped and counted")
      ->required();
  add_vlm_client_options(*cmd, a->client);
  cmd->add_option("--frames", a->eval.frames, "Evenly spaced frames of each video shown to the judge")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_option("--max-side", a->eval.max_side, "Frames and reference are shrunk to at most this many pixels a side")
      ->check(CLI::Range(16, 4096))
      ->capture_default_str();
  cmd->add_option("--split", a->eval.split, "Only rows of this split");
  cmd->add_option("--jobs", a->eval.jobs, "Requests in flight at once")->check(CLI::Range(1, 64))->capture_default_str();
  cmd->add_option("--json", a->json, "Write the means and every item's scores or error to this JSON file");
  cmd->add_option("--log", a->eval.log, "Append one JSON line per judged item to this file");
  set_guarded_callback(cmd, [a] { eval_vlm(*a); });
}

}  // namespace viva::cli
