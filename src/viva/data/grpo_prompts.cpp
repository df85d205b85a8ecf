#include "viva/data/grpo_prompts.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "viva/core/error.h"

namespace fs = std::filesystem;

namespace viva {

std::vector<GrpoPrompt> read_grpo_prompts(const std::string& path, const std::string& split) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw file_error(path, fs::exists(path) ? "cannot be read" : "no such file");
  const fs::path folder = fs::path(path).parent_path();
  auto resolve = [&](const std::string& p) { return p.empty() || fs::path(p).is_absolute() ? p : (folder / p).string(); };
  std::vector<GrpoPrompt> prompts;
  std::string text;
  int64_t line = 0;
  while (std::getline(in, text)) {
    ++line;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(line);
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object()) throw Error(where, "not a JSON object");
    GrpoPrompt p;
    p.line = line;
    try {
      p.id = j.value("id", "line" + std::to_string(line));
      p.source = resolve(j.value("source", std::string()));
      p.reference = resolve(j.value("reference", std::string()));
      p.instruction = j.value("instruction", std::string());
      p.source_caption = j.value("source_caption", std::string());
      p.target_caption = j.value("target_caption", std::string());
      p.split = j.value("split", std::string("train"));
    } catch (const nlohmann::json::exception& e) {
      throw Error(where, std::string("bad field: ") + e.what());
    }
    if (!split.empty() && p.split != split) continue;
    if (p.source.empty() || p.instruction.empty() || p.target_caption.empty())
      throw Error(where, "a GRPO prompt needs source, instruction and target_caption");
    prompts.push_back(std::move(p));
  }
  if (prompts.empty()) throw file_error(path, "holds no GRPO prompts" + (split.empty() ? std::string() : " in split '" + split + "'"));
  return prompts;
}

}  // namespace viva
