#include "viva/core/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "viva/core/atomic_file.h"
#include "viva/core/error.h"

namespace viva {

torch::ScalarType to_scalar_type(StDtype dtype) {
  switch (dtype) {
    case StDtype::F64: return torch::kFloat64;
    case StDtype::F32: return torch::kFloat32;
    case StDtype::F16: return torch::kFloat16;
    case StDtype::BF16: return torch::kBFloat16;
    case StDtype::I64: return torch::kInt64;
    case StDtype::I32: return torch::kInt32;
    case StDtype::I16: return torch::kInt16;
    case StDtype::I8: return torch::kInt8;
    case StDtype::U8: return torch::kUInt8;
    case StDtype::BOOL: return torch::kBool;
  }
  return torch::kFloat32;
}

StDtype to_st_dtype(torch::ScalarType type) {
  switch (type) {
    case torch::kFloat64: return StDtype::F64;
    case torch::kFloat32: return StDtype::F32;
    case torch::kFloat16: return StDtype::F16;
    case torch::kBFloat16: return StDtype::BF16;
    case torch::kInt64: return StDtype::I64;
    case torch::kInt32: return StDtype::I32;
    case torch::kInt16: return StDtype::I16;
    case torch::kInt8: return StDtype::I8;
    case torch::kUInt8: return StDtype::U8;
    case torch::kBool: return StDtype::BOOL;
    default: throw Error("saving safetensors", std::string("dtype ") + c10::toString(type) + " has no safetensors equivalent");
  }
}

MappedFile::MappedFile(const std::string& path) : path_(path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw file_error(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    throw file_error(path, std::string("cannot stat: ") + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw file_error(path, "is not a regular file");
  }
  size_ = static_cast<uint64_t>(st.st_size);
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      ::close(fd);
      throw file_error(path, std::string("cannot memory-map: ") + std::strerror(errno));
    }
    data_ = static_cast<const uint8_t*>(p);
  }
  ::close(fd);
}

void MappedFile::release(const uint8_t* begin, uint64_t length) const {
  // Whole pages inside the range only; the mapping is read-only and private, so dropped pages
  // are simply read again from the file if touched later.
  const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  auto first = (reinterpret_cast<uintptr_t>(begin) + page - 1) / page * page;
  auto last = (reinterpret_cast<uintptr_t>(begin) + length) / page * page;
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
}

SafetensorsFile::SafetensorsFile(const std::string& path)
    : map_(path), header_(parse_safetensors_header(map_.data(), map_.size(), map_.size(), path)) {}

const TensorEntry& SafetensorsFile::entry(const std::string& name) const {
  const TensorEntry* e = header_.find(name);
  if (!e) throw file_error(path(), "has no tensor named '" + name + "'");
  return *e;
}

void SafetensorsFile::stream(const TensorEntry& e, torch::Tensor& target) const {
  // A chunk at a time, each chunk's file pages dropped once copied: a large tensor's pages and
  // its copy are never resident together, so loading grows memory by the model and no more.
  const auto stored = to_scalar_type(e.dtype);
  const uint8_t* source = map_.data() + header_.data_offset + e.begin;
  const int64_t element = static_cast<int64_t>(c10::elementSize(stored));
  const int64_t count = target.numel(), chunk = std::max<int64_t>(1, (int64_t{16} << 20) / element);
  const bool direct = target.scalar_type() == stored && target.is_cpu();
  // Converting (dtype or device) goes through an aligned buffer of one chunk.
  torch::Tensor buffer = direct ? torch::Tensor() : torch::empty({std::min(count, chunk)}, torch::TensorOptions().dtype(stored));
  torch::Tensor flat = target.view({-1});
  for (int64_t begin = 0; begin < count; begin += chunk) {
    const int64_t n = std::min(chunk, count - begin);
    const uint8_t* from = source + begin * element;
    const auto bytes = static_cast<std::size_t>(n * element);
    if (direct) {
      std::memcpy(static_cast<uint8_t*>(target.data_ptr()) + begin * element, from, bytes);
    } else {
      std::memcpy(buffer.data_ptr(), from, bytes);
      flat.narrow(0, begin, n).copy_(buffer.narrow(0, 0, n));
    }
    map_.release(from, bytes);
  }
}

torch::Tensor SafetensorsFile::load(const std::string& name, std::optional<torch::ScalarType> dtype,
                                    torch::Device device) const {
  const TensorEntry& e = entry(name);
  // Bools are read as bytes and compared with zero: a stored byte other than 0/1 must not
  // become an invalid torch bool.
  if (e.dtype == StDtype::BOOL) {
    torch::Tensor bytes = torch::empty(e.shape, torch::kUInt8);
    if (e.nbytes() > 0) {
      const uint8_t* source = map_.data() + header_.data_offset + e.begin;
      std::memcpy(bytes.data_ptr(), source, e.nbytes());
      map_.release(source, e.nbytes());
    }
    return bytes.ne(0).to(device, dtype.value_or(torch::kBool));
  }
  torch::Tensor tensor = torch::empty(e.shape, torch::TensorOptions().dtype(dtype.value_or(to_scalar_type(e.dtype))).device(device));
  stream(e, tensor);
  return tensor;
}

void SafetensorsFile::copy_to(const std::string& name, torch::Tensor& target) const {
  const TensorEntry& e = entry(name);
  if (c10::IntArrayRef(e.shape) != target.sizes()) throw file_error(path(), "'" + name + "' does not fit its target's shape");
  if (e.dtype == StDtype::BOOL || !target.is_contiguous()) {
    target.copy_(load(name));
    return;
  }
  stream(e, target);
}

void save_safetensors(const std::string& path, const std::vector<NamedTensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<torch::Tensor> contiguous;
  contiguous.reserve(tensors.size());
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    if (name == "__metadata__") throw Error("saving " + path, "'__metadata__' cannot name a tensor");
    if (header.contains(name)) throw Error("saving " + path, "tensor '" + name + "' given twice");
    if (!tensor.defined()) throw Error("saving " + path, "tensor '" + name + "' is undefined");
    torch::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
    const uint64_t nbytes = static_cast<uint64_t>(t.numel()) * t.element_size();
    header[name] = {{"dtype", dtype_name(to_st_dtype(t.scalar_type()))},
                    {"shape", t.sizes().vec()},
                    {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
    contiguous.push_back(std::move(t));
  }
  std::string text = header.dump();
  // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
  text.append((8 - text.size() % 8) % 8, ' ');

  AtomicFile file(path);
  {
    std::ofstream out(file.temp_path(), std::ios::binary | std::ios::trunc);
    if (!out) throw file_error(path, std::string("cannot create: ") + std::strerror(errno));
    uint8_t length[8];
    uint64_t n = text.size();
    for (int i = 0; i < 8; ++i) length[i] = static_cast<uint8_t>(n >> (8 * i));
    out.write(reinterpret_cast<const char*>(length), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& t : contiguous)
      out.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(t.numel() * t.element_size()));
    out.flush();
    if (!out) throw file_error(path, "write failed (disk full?)");
  }
  file.commit();
}

}  // namespace viva
