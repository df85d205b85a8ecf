#pragma once
// JSON configs read strictly: every key a reader does not consume is an error naming the key
// and the file, so a typo ("learning_rat") never silently falls back to a default.
//
//   auto json = load_json_file(path);
//   ConfigReader reader(json, path);
//   reader.get("lr", options.lr);           // optional: keeps the default when absent
//   reader.get("guidance", options.guidance);  // std::optional: absent or null leave it empty
//   reader.require("data", options.data);   // required
//   reader.finish();                        // throws on unknown keys
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "viva/core/error.h"

namespace viva {

nlohmann::json load_json_file(const std::string& path);
nlohmann::json parse_json(const std::string& text, const std::string& source);

// An optional value as JSON: the value, or null when empty.
template <class T>
nlohmann::json json_or_null(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

class ConfigReader {
 public:
  // `where` names the object inside the file ("optimizer"), empty for the top level.
  ConfigReader(const nlohmann::json& object, std::string file, std::string where = "");

  bool has(const std::string& key) const { return object_.contains(key); }
  const std::string& file() const { return file_; }

  template <class T>
  void get(const std::string& key, T& out) {
    if (!object_.contains(key)) return;
    seen_.insert(key);
    try {
      out = object_.at(key).get<T>();
    } catch (const nlohmann::json::exception&) {
      throw Error(file_, "key '" + qualified(key) + "' has the wrong type (" + object_.at(key).type_name() + ")");
    }
  }

  // "Use the default" as a value of its own (std::optional empty): the key absent or null.
  template <class T>
  void get(const std::string& key, std::optional<T>& out) {
    if (!object_.contains(key)) return;
    if (object_.at(key).is_null()) {
      seen_.insert(key);
      out.reset();
      return;
    }
    T value{};
    get(key, value);
    out = value;
  }

  template <class T>
  void require(const std::string& key, T& out) {
    if (!object_.contains(key)) throw Error(file_, "missing required key '" + qualified(key) + "'");
    get(key, out);
  }

  // A reader for the object under `key` (which must be an object).
  ConfigReader child(const std::string& key);

  // Throws for the first key that no get/require/child consumed.
  void finish() const;

 private:
  std::string qualified(const std::string& key) const { return where_.empty() ? key : where_ + "." + key; }

  const nlohmann::json& object_;
  std::string file_;
  std::string where_;
  std::set<std::string> seen_;
};

}  // namespace viva
