#include "viva/core/pickled_tensors.h"

#include <caffe2/serialize/inline_container.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <optional>

#include "viva/core/error.h"

namespace viva {
namespace {

// A value of the pickle machine: plain Python data, a tensor, a storage, or a known global.
struct Value;
using ValuePtr = std::shared_ptr<Value>;
struct Value {
  enum class Kind { None, Bool, Int, Float, String, Tuple, List, Dict, Tensor, Global, Mark };
  Kind kind = Kind::None;
  bool flag = false;
  int64_t integer = 0;
  double real = 0;
  std::string text;  // String; Global: "module.name"
  std::vector<ValuePtr> items;                       // Tuple, List
  std::vector<std::pair<ValuePtr, ValuePtr>> entries;  // Dict
  torch::Tensor tensor;                              // Tensor, and a storage (1-D, its dtype)
  int depth = 0;  // containers nested inside, as built (bounded)

  Value() = default;
  Value(const Value&) = delete;
  Value& operator=(const Value&) = delete;
  // Children are released one at a time, not recursively: however deep a hostile file nests
  // its containers, freeing them cannot exhaust the stack.
  ~Value() {
    std::vector<std::shared_ptr<Value>> pending;
    const auto take = [&pending](Value& v) {
      for (auto& item : v.items) pending.push_back(std::move(item));
      for (auto& [key, value] : v.entries) {
        pending.push_back(std::move(key));
        pending.push_back(std::move(value));
      }
      v.items.clear();
      v.entries.clear();
    };
    take(*this);
    while (!pending.empty()) {
      std::shared_ptr<Value> last = std::move(pending.back());
      pending.pop_back();
      if (last && last.use_count() == 1) take(*last);
    }
  }
};

constexpr int kMaxNesting = 256;

ValuePtr make(Value::Kind kind) {
  auto v = std::make_shared<Value>();
  v->kind = kind;
  return v;
}

// torch.<Name>Storage -> its element type.
std::optional<torch::ScalarType> storage_type(const std::string& global) {
  static const std::map<std::string, torch::ScalarType> types = {
      {"torch.FloatStorage", torch::kFloat32}, {"torch.DoubleStorage", torch::kFloat64},
      {"torch.HalfStorage", torch::kFloat16},  {"torch.BFloat16Storage", torch::kBFloat16},
      {"torch.LongStorage", torch::kInt64},    {"torch.IntStorage", torch::kInt32},
      {"torch.ShortStorage", torch::kInt16},   {"torch.CharStorage", torch::kInt8},
      {"torch.ByteStorage", torch::kUInt8},    {"torch.BoolStorage", torch::kBool}};
  const auto it = types.find(global);
  if (it == types.end()) return std::nullopt;
  return it->second;
}

class PickleMachine {
 public:
  PickleMachine(const std::string& path, caffe2::serialize::PyTorchStreamReader& archive,
                std::shared_ptr<const MappedFile> file)
      : path_(path), archive_(archive), file_(std::move(file)) {}

  ValuePtr run(const char* data, std::size_t size) {
    data_ = data;
    size_ = size;
    while (true) {
      const auto op = static_cast<uint8_t>(byte());
      switch (op) {
        case 0x80: byte(); break;                        // PROTO
        case 0x95: bytes(8); break;                      // FRAME
        case '.': return pop();                          // STOP
        case '(': push(make(Value::Kind::Mark)); break;  // MARK
        case 'N': push(make(Value::Kind::None)); break;
        case 0x88: case 0x89: {  // NEWTRUE, NEWFALSE
          auto v = make(Value::Kind::Bool);
          v->flag = op == 0x88;
          push(v);
          break;
        }
        case 'K': push_int(static_cast<uint8_t>(byte())); break;  // BININT1
        case 'M': push_int(little<uint16_t>()); break;             // BININT2
        case 'J': push_int(little<int32_t>()); break;              // BININT
        case 0x8a: {  // LONG1
          const auto n = static_cast<uint8_t>(byte());
          if (n > 8) fail("an integer wider than 64 bits");
          int64_t value = 0;
          const char* p = bytes(n);
          for (int i = n - 1; i >= 0; --i) value = (value << 8) | static_cast<uint8_t>(p[i]);
          if (n > 0 && n < 8 && (static_cast<uint8_t>(p[n - 1]) & 0x80)) value -= int64_t{1} << (8 * n);
          push_int(value);
          break;
        }
        case 'G': {  // BINFLOAT, big-endian
          const char* p = bytes(8);
          uint64_t bits = 0;
          for (int i = 0; i < 8; ++i) bits = (bits << 8) | static_cast<uint8_t>(p[i]);
          auto v = make(Value::Kind::Float);
          std::memcpy(&v->real, &bits, 8);
          push(v);
          break;
        }
        case 'X': push_string(little<uint32_t>()); break;                    // BINUNICODE
        case 0x8c: case 'U': case 'C': push_string(static_cast<uint8_t>(byte())); break;  // SHORT_BINUNICODE, SHORT_BINSTRING, SHORT_BINBYTES
        case 'T': case 'B': push_string(little<uint32_t>()); break;           // BINSTRING, BINBYTES
        case 0x8d: push_string(little<uint64_t>()); break;                    // BINUNICODE8
        case 'q': memo_[static_cast<uint8_t>(byte())] = top(); break;         // BINPUT
        case 'r': memo_[little<uint32_t>()] = top(); break;                   // LONG_BINPUT
        case 0x94: memo_[memo_.size()] = top(); break;                        // MEMOIZE
        case 'h': push(memo(static_cast<uint8_t>(byte()))); break;            // BINGET
        case 'j': push(memo(little<uint32_t>())); break;                      // LONG_BINGET
        case ')': push(make(Value::Kind::Tuple)); break;                      // EMPTY_TUPLE
        case 0x85: case 0x86: case 0x87: {                                    // TUPLE1..3
          auto v = make(Value::Kind::Tuple);
          v->items.resize(op - 0x84);
          for (auto it = v->items.rbegin(); it != v->items.rend(); ++it) *it = pop();
          for (const auto& item : v->items) nest(*v, *item);
          push(v);
          break;
        }
        case 't': {  // TUPLE
          auto v = make(Value::Kind::Tuple);
          v->items = pop_to_mark();
          for (const auto& item : v->items) nest(*v, *item);
          push(v);
          break;
        }
        case ']': push(make(Value::Kind::List)); break;  // EMPTY_LIST
        case 'l': {                                       // LIST
          auto v = make(Value::Kind::List);
          v->items = pop_to_mark();
          for (const auto& item : v->items) nest(*v, *item);
          push(v);
          break;
        }
        case 'a': {  // APPEND
          auto item = pop();
          auto list = expect(top(), Value::Kind::List, "APPEND");
          nest(*list, *item);
          list->items.push_back(item);
          break;
        }
        case 'e': {  // APPENDS
          auto items = pop_to_mark();
          auto list = expect(top(), Value::Kind::List, "APPENDS");
          for (const auto& item : items) nest(*list, *item);
          list->items.insert(list->items.end(), items.begin(), items.end());
          break;
        }
        case '}': push(make(Value::Kind::Dict)); break;  // EMPTY_DICT
        case 's': {                                       // SETITEM
          auto value = pop();
          auto key = pop();
          auto dict = expect(top(), Value::Kind::Dict, "SETITEM");
          nest(*dict, *value);
          dict->entries.emplace_back(key, value);
          break;
        }
        case 'u': {  // SETITEMS
          auto items = pop_to_mark();
          if (items.size() % 2) fail("SETITEMS with an odd number of items");
          auto dict = expect(top(), Value::Kind::Dict, "SETITEMS");
          for (std::size_t i = 0; i < items.size(); i += 2) {
            nest(*dict, *items[i + 1]);
            dict->entries.emplace_back(items[i], items[i + 1]);
          }
          break;
        }
        case 'c': {  // GLOBAL module\nname\n
          const std::string module = line(), name = line();
          push(global(module + "." + name));
          break;
        }
        case 0x93: {  // STACK_GLOBAL
          auto name = expect(pop(), Value::Kind::String, "STACK_GLOBAL");
          auto module = expect(pop(), Value::Kind::String, "STACK_GLOBAL");
          push(global(module->text + "." + name->text));
          break;
        }
        case 'Q': push(storage(pop())); break;  // BINPERSID
        case 'R': {                              // REDUCE
          auto args = expect(pop(), Value::Kind::Tuple, "REDUCE");
          auto callable = expect(pop(), Value::Kind::Global, "REDUCE");
          push(call(callable->text, args->items));
          break;
        }
        case 'b': {  // BUILD: the state an OrderedDict or a tensor carries (metadata) is dropped
          pop();
          const auto kind = top()->kind;
          if (kind != Value::Kind::Dict && kind != Value::Kind::Tensor) fail("BUILD on something other than a dict or tensor");
          break;
        }
        default: {
          char hex[8];
          std::snprintf(hex, sizeof hex, "0x%02x", op);
          fail(std::string("pickle opcode ") + hex + ", which plain data does not use");
        }
      }
    }
  }

 private:
  [[noreturn]] void fail(const std::string& why) const { throw file_error(path_, "refused as a PyTorch pickle: " + why); }

  char byte() { return *bytes(1); }
  const char* bytes(std::size_t n) {
    if (n > size_ - pos_) fail("the pickle ends early");
    const char* p = data_ + pos_;
    pos_ += n;
    return p;
  }
  template <class T>
  T little() {
    T value;
    std::memcpy(&value, bytes(sizeof(T)), sizeof(T));
    return value;
  }
  std::string line() {
    const char* start = data_ + pos_;
    const void* end = std::memchr(start, '\n', size_ - pos_);
    if (!end) fail("a GLOBAL without its newline");
    const std::size_t n = static_cast<const char*>(end) - start;
    pos_ += n + 1;
    return std::string(start, n);
  }

  void push(ValuePtr v) { stack_.push_back(std::move(v)); }
  // `child` goes inside `parent`: containers nest at most kMaxNesting deep, and never in
  // themselves (a memo entry put back into itself would make a cycle).
  void nest(Value& parent, const Value& child) {
    if (&parent == &child) fail("a container inside itself");
    parent.depth = std::max(parent.depth, child.depth + 1);
    if (parent.depth > kMaxNesting) fail("containers nested more than " + std::to_string(kMaxNesting) + " deep");
  }
  void push_int(int64_t value) {
    auto v = make(Value::Kind::Int);
    v->integer = value;
    push(v);
  }
  void push_string(uint64_t n) {
    auto v = make(Value::Kind::String);
    v->text.assign(bytes(n), n);
    push(v);
  }
  ValuePtr pop() {
    if (stack_.empty()) fail("the stack runs empty");
    auto v = stack_.back();
    stack_.pop_back();
    return v;
  }
  const ValuePtr& top() const {
    if (stack_.empty()) fail("the stack runs empty");
    return stack_.back();
  }
  std::vector<ValuePtr> pop_to_mark() {
    std::vector<ValuePtr> items;
    while (true) {
      auto v = pop();
      if (v->kind == Value::Kind::Mark) break;
      items.push_back(v);
    }
    std::reverse(items.begin(), items.end());
    return items;
  }
  ValuePtr memo(uint64_t key) const {
    const auto it = memo_.find(key);
    if (it == memo_.end()) fail("a memo entry that was never stored");
    return it->second;
  }
  ValuePtr expect(const ValuePtr& v, Value::Kind kind, const char* op) const {
    if (v->kind != kind) fail(std::string(op) + " on a value of the wrong kind");
    return v;
  }

  // The only globals a state dict needs; anything else is refused here, before it is used.
  ValuePtr global(const std::string& name) const {
    static const std::vector<std::string> allowed = {"collections.OrderedDict", "torch._utils._rebuild_tensor_v2",
                                                     "torch._utils._rebuild_parameter",
                                                     "torch.jit._pickle.restore_type_tag"};
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end() && !storage_type(name))
      fail("the global '" + name + "' (only tensors and plain containers are read)");
    auto v = make(Value::Kind::Global);
    v->text = name;
    return v;
  }

  ValuePtr call(const std::string& callable, const std::vector<ValuePtr>& args) {
    if (callable == "collections.OrderedDict") {
      if (!args.empty()) fail("OrderedDict called with arguments");
      return make(Value::Kind::Dict);
    }
    if (callable == "torch.jit._pickle.restore_type_tag") {  // (value, type name): libtorch's pickle_save
      if (args.empty()) fail("restore_type_tag without a value");
      return args[0];
    }
    if (callable == "torch._utils._rebuild_parameter") {  // (tensor, requires_grad, hooks)
      if (args.empty() || args[0]->kind != Value::Kind::Tensor) fail("_rebuild_parameter without a tensor");
      return args[0];
    }
    if (callable == "torch._utils._rebuild_tensor_v2") {  // (storage, offset, size, stride, ...)
      if (args.size() < 4 || args[0]->kind != Value::Kind::Tensor || args[1]->kind != Value::Kind::Int ||
          args[2]->kind != Value::Kind::Tuple || args[3]->kind != Value::Kind::Tuple)
        fail("_rebuild_tensor_v2 with unexpected arguments");
      std::vector<int64_t> sizes, strides;
      for (const auto& s : args[2]->items) sizes.push_back(expect(s, Value::Kind::Int, "a tensor size")->integer);
      for (const auto& s : args[3]->items) strides.push_back(expect(s, Value::Kind::Int, "a tensor stride")->integer);
      const torch::Tensor& storage = args[0]->tensor;
      if (sizes.size() != strides.size()) fail("a tensor whose size and stride differ in length");
      int64_t last = args[1]->integer;  // the furthest element the view reaches
      for (std::size_t i = 0; i < sizes.size(); ++i)
        if (sizes[i] == 0) last = -1; else if (last >= 0) last += (sizes[i] - 1) * strides[i];
      if (args[1]->integer < 0 || last >= storage.numel()) fail("a tensor reaching outside its storage");
      auto v = make(Value::Kind::Tensor);
      v->tensor = storage.as_strided(sizes, strides, args[1]->integer);
      return v;
    }
    fail("a call of '" + callable + "'");
  }

  // A persistent id ('storage', <torch.XStorage>, key, location, numel): the archive's data/<key>.
  ValuePtr storage(const ValuePtr& id) {
    const auto& parts = expect(id, Value::Kind::Tuple, "a persistent id")->items;
    if (parts.size() < 5 || parts[0]->kind != Value::Kind::String || parts[0]->text != "storage" ||
        parts[1]->kind != Value::Kind::Global || parts[2]->kind != Value::Kind::String || parts[4]->kind != Value::Kind::Int)
      fail("a persistent id that is not a storage");
    const torch::ScalarType type = *storage_type(parts[1]->text);
    const std::string& key = parts[2]->text;
    auto& storage = storages_[key];
    if (!storage.defined()) {
      // torch.save stores records uncompressed and 64-byte aligned: a storage is a view of the
      // memory-mapped file (read-only, paged in as it is copied out), kept mapped while any
      // tensor of it lives.
      const std::string record = "data/" + key;
      if (!archive_.hasRecord(record)) fail("storage '" + key + "' is missing from the archive");
      const uint64_t offset = archive_.getRecordOffset(record);
      const int64_t numel = parts[4]->integer;
      const uint64_t bytes = static_cast<uint64_t>(std::max<int64_t>(numel, 0)) * c10::elementSize(type);
      if (numel < 0 || offset > file_->size() || bytes > file_->size() - offset || offset % c10::elementSize(type))
        fail("storage '" + key + "' of " + std::to_string(numel) + " elements does not lie within the file");
      auto file = file_;
      storage = torch::from_blob(const_cast<uint8_t*>(file->data() + offset), {numel}, [file](void*) {},
                                 torch::TensorOptions().dtype(type));
    }
    auto v = make(Value::Kind::Tensor);
    v->tensor = storage;
    return v;
  }

  const std::string& path_;
  caffe2::serialize::PyTorchStreamReader& archive_;
  std::shared_ptr<const MappedFile> file_;
  const char* data_ = nullptr;
  std::size_t size_ = 0, pos_ = 0;
  std::vector<ValuePtr> stack_;
  std::map<uint64_t, ValuePtr> memo_;
  std::map<std::string, torch::Tensor> storages_;
};

void collect(const Value& value, const std::string& name, const std::string& path, std::vector<NamedTensor>& out,
             int depth = 0) {
  // Also ends a walk around a cycle (a container made to hold itself through the memo).
  if (depth > kMaxNesting) throw file_error(path, "refused as a PyTorch pickle: containers nested more than " +
                                                      std::to_string(kMaxNesting) + " deep at '" + name + "'");
  const auto child = [&name](const std::string& key) { return name.empty() ? key : name + "." + key; };
  switch (value.kind) {
    case Value::Kind::Tensor:
      if (name.empty()) throw file_error(path, "holds a single tensor, not a state dict of named tensors");
      out.push_back({name, value.tensor.contiguous()});
      break;
    case Value::Kind::Dict:
      for (const auto& [key, item] : value.entries) {
        if (key->kind != Value::Kind::String && key->kind != Value::Kind::Int)
          throw file_error(path, "has a dictionary key that is neither a string nor an integer at '" + name + "'");
        collect(*item, child(key->kind == Value::Kind::String ? key->text : std::to_string(key->integer)), path, out,
                depth + 1);
      }
      break;
    case Value::Kind::Tuple:
    case Value::Kind::List:
      for (std::size_t i = 0; i < value.items.size(); ++i)
        collect(*value.items[i], child(std::to_string(i)), path, out, depth + 1);
      break;
    case Value::Kind::Global:
      throw file_error(path, "holds the class '" + value.text + "' itself at '" + name + "'");
    default:
      break;  // plain values
  }
}

}  // namespace

bool is_pytorch_pickle(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, 4) && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
}

std::vector<NamedTensor> read_pickled_tensors(const std::string& path) {
  if (!std::ifstream(path)) throw file_error(path, "cannot open");
  if (!is_pytorch_pickle(path))
    throw file_error(path, "is not a PyTorch zip archive (torch.save of PyTorch >= 1.6); older pickles are not read");
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> archive;
  try {
    archive = std::make_unique<caffe2::serialize::PyTorchStreamReader>(path);
  } catch (const std::exception& e) {
    std::string why = e.what();
    throw file_error(path, "is not a readable PyTorch archive: " + why.substr(0, why.find('\n')));
  }
  if (!archive->hasRecord("data.pkl")) throw file_error(path, "has no data.pkl (not written by torch.save)");
  auto [pickle, size] = archive->getRecord("data.pkl");
  PickleMachine machine(path, *archive, std::make_shared<const MappedFile>(path));
  const ValuePtr root = machine.run(static_cast<const char*>(pickle.get()), size);
  std::vector<NamedTensor> tensors;
  collect(*root, "", path, tensors);
  std::sort(tensors.begin(), tensors.end(), [](const NamedTensor& a, const NamedTensor& b) { return a.name < b.name; });
  return tensors;
}

}  // namespace viva
