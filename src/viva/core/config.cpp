#include "viva/core/config.h"

#include "viva/core/atomic_file.h"

namespace viva {

nlohmann::json parse_json(const std::string& text, const std::string& source) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(source, std::string("invalid JSON: ") + e.what());
  }
}

nlohmann::json load_json_file(const std::string& path) { return parse_json(read_file(path), path); }

ConfigReader::ConfigReader(const nlohmann::json& object, std::string file, std::string where)
    : object_(object), file_(std::move(file)), where_(std::move(where)) {
  if (!object_.is_object())
    throw Error(file_, (where_.empty() ? std::string("config") : "'" + where_ + "'") + " is not a JSON object");
}

ConfigReader ConfigReader::child(const std::string& key) {
  if (!object_.contains(key)) throw Error(file_, "missing required key '" + qualified(key) + "'");
  seen_.insert(key);
  return ConfigReader(object_.at(key), file_, qualified(key));
}

void ConfigReader::finish() const {
  for (const auto& [key, unused] : object_.items()) {
    (void)unused;
    if (!seen_.count(key)) throw Error(file_, "unknown key '" + qualified(key) + "'");
  }
}

}  // namespace viva
