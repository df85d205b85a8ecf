#include "viva/vlm/vlm_json.h"

#include <cmath>
#include <set>

namespace viva {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string trim(const std::string& s) {
  std::size_t a = 0, b = s.size();
  while (a < b && is_space(s[a])) ++a;
  while (b > a && is_space(s[b - 1])) --b;
  return s.substr(a, b - a);
}

// The inside of "```json\n...\n```" (or a bare ``` fence); the text unchanged when it is not
// fenced at all.
std::string unfence(const std::string& text) {
  const std::string fence = "```";
  if (text.rfind(fence, 0) != 0) return text;
  const std::size_t newline = text.find('\n');
  if (newline == std::string::npos) throw VlmReplyError("reply has an opening ``` fence and nothing after it");
  const std::string tag = trim(text.substr(fence.size(), newline - fence.size()));
  if (!tag.empty() && tag != "json" && tag != "JSON")
    throw VlmReplyError("reply is fenced as '" + excerpt(tag, 20) + "', not json");
  if (text.size() < newline + 1 + fence.size() || text.compare(text.size() - fence.size(), fence.size(), fence) != 0)
    throw VlmReplyError("reply opens a ``` fence but does not end with one");
  const std::string inside = text.substr(newline + 1, text.size() - fence.size() - newline - 1);
  if (inside.find(fence) != std::string::npos) throw VlmReplyError("reply holds more than one ``` fence");
  return trim(inside);
}

std::string type_words(ReplyFieldType type) {
  switch (type) {
    case ReplyFieldType::Score: return "a number from 0 to 10";
    case ReplyFieldType::Text: return "a string";
    case ReplyFieldType::NonEmptyText: return "a non-empty string";
    case ReplyFieldType::Boolean: return "true or false";
  }
  return "";
}

bool matches(const nlohmann::json& value, ReplyFieldType type, std::string& why) {
  switch (type) {
    case ReplyFieldType::Score: {
      if (!value.is_number()) return false;
      const double v = value.get<double>();
      if (!std::isfinite(v) || v < 0.0 || v > 10.0) {
        why = "is " + value.dump() + ", outside 0..10";
        return false;
      }
      return true;
    }
    case ReplyFieldType::Text: return value.is_string();
    case ReplyFieldType::NonEmptyText: {
      if (!value.is_string()) return false;
      if (trim(value.get<std::string>()).empty()) {
        why = "is empty";
        return false;
      }
      return true;
    }
    case ReplyFieldType::Boolean: return value.is_boolean();
  }
  return false;
}

}  // namespace

std::string excerpt(const std::string& text, std::size_t max_chars) {
  std::string out;
  for (char c : text) {
    if (out.size() >= max_chars) {
      out += "...";
      break;
    }
    out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  }
  return out;
}

nlohmann::json parse_reply_object(const std::string& content) {
  const std::string text = unfence(trim(content));
  if (text.empty()) throw VlmReplyError("reply is empty");
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(text);  // strict: no comments, nothing after the value
  } catch (const nlohmann::json::parse_error&) {
    throw VlmReplyError("reply is not a single JSON object: '" + excerpt(text) + "'");
  }
  if (!value.is_object()) throw VlmReplyError("reply is JSON but not an object: '" + excerpt(text) + "'");
  return value;
}

void validate_reply(const nlohmann::json& object, const std::vector<ReplyField>& fields) {
  std::set<std::string> known;
  for (const ReplyField& f : fields) {
    known.insert(f.name);
    if (!object.contains(f.name)) throw VlmReplyError("reply lacks the key '" + f.name + "'");
    std::string why;
    if (!matches(object.at(f.name), f.type, why))
      throw VlmReplyError("reply's '" + f.name + "' " +
                          (why.empty() ? "must be " + type_words(f.type) + ", got " + excerpt(object.at(f.name).dump(), 40)
                                       : why));
  }
  for (const auto& item : object.items())
    if (!known.count(item.key())) throw VlmReplyError("reply has an unexpected key '" + excerpt(item.key(), 40) + "'");
}

std::string describe_reply(const std::vector<ReplyField>& fields) {
  std::string out = "{";
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ", ";
    out += "\"" + fields[i].name + "\": ";
    switch (fields[i].type) {
      case ReplyFieldType::Score: out += "<integer 0-10>"; break;
      case ReplyFieldType::Text:
      case ReplyFieldType::NonEmptyText: out += "\"<text>\""; break;
      case ReplyFieldType::Boolean: out += "<true or false>"; break;
    }
  }
  return out + "}";
}

}  // namespace viva
