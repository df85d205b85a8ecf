#pragma once
// Strict reading of a VLM's answer. Every prompt asks for one JSON object and nothing else; the
// answer is accepted only if it is exactly that (a ```json fence around it is tolerated, since
// many chat models add one regardless) with every key of the expected schema, of the right
// type and range, and no other key. Anything else is a VlmReplyError, which the client retries.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "viva/core/error.h"

namespace viva {

// The server answered, but not with what was asked for.
class VlmReplyError : public Error {
 public:
  using Error::Error;
};

// The JSON object in a reply's text: the whole text, or the whole inside of one ``` / ```json
// fence, surrounding whitespace aside. Throws VlmReplyError otherwise.
nlohmann::json parse_reply_object(const std::string& content);

enum class ReplyFieldType {
  Score,        // a number (not a string, not a boolean) from 0 to 10
  Text,         // a string, possibly empty
  NonEmptyText, // a string with something other than whitespace
  Boolean,      // true or false (not "yes", not 0/1)
};

struct ReplyField {
  std::string name;
  ReplyFieldType type;
};

// Every field present with its type; any other key is an error. Throws VlmReplyError naming
// the key and what was wrong with it.
void validate_reply(const nlohmann::json& object, const std::vector<ReplyField>& fields);

// What a schema asks for, written into prompts so the model is told exactly what is checked:
// {"a": <integer 0-10>, "b": "<text>", "c": <true or false>}.
std::string describe_reply(const std::vector<ReplyField>& fields);

// The first `max_chars` characters of a text on one line, for error messages.
std::string excerpt(const std::string& text, std::size_t max_chars = 120);

}  // namespace viva
