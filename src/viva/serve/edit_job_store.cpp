#include "viva/serve/edit_job_store.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>

#include "viva/core/atomic_file.h"
#include "viva/core/config.h"
#include "viva/core/error.h"

namespace viva {
namespace {

namespace fs = std::filesystem;

double now_s() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// 96 random bits as hex: ids cannot be guessed, and only these characters reach a path.
std::string random_id() {
  std::random_device device;
  static const char* digits = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 24; ++i) id += digits[device() % 16];
  return id;
}

ServeJobState state_from_name(const std::string& name, const std::string& where) {
  for (ServeJobState s : {ServeJobState::Queued, ServeJobState::Running, ServeJobState::Done, ServeJobState::Failed,
                          ServeJobState::Cancelled})
    if (name == serve_job_state_name(s)) return s;
  throw Error(where, "unknown job state '" + name + "'");
}

bool finished(ServeJobState s) { return s == ServeJobState::Done || s == ServeJobState::Failed || s == ServeJobState::Cancelled; }

}  // namespace

const char* serve_job_state_name(ServeJobState state) {
  switch (state) {
    case ServeJobState::Queued: return "queued";
    case ServeJobState::Running: return "running";
    case ServeJobState::Done: return "done";
    case ServeJobState::Failed: return "failed";
    case ServeJobState::Cancelled: return "cancelled";
  }
  return "unknown";
}

nlohmann::json ServeJob::to_json() const {
  nlohmann::json j = {{"id", id},
                      {"sequence", sequence},
                      {"state", serve_job_state_name(state)},
                      {"instruction", request.instruction},
                      {"reference", request.has_reference},
                      {"steps", json_or_null(request.steps)},
                      {"cfg", json_or_null(request.cfg)},
                      {"seed", json_or_null(request.seed)},
                      {"window", json_or_null(request.window)},
                      {"format", request.format},
                      {"created", created_s},
                      {"runs", runs},
                      {"cancel_requested", cancel_requested}};
  if (started_s > 0) j["started"] = started_s;
  if (finished_s > 0) j["finished"] = finished_s;
  if (state == ServeJobState::Running) {
    j["stage"] = stage;
    j["progress"] = {{"done", done}, {"total", total}};
    // From the sampling rate so far: sampling is nearly all of an edit's time.
    if (stage == "sampling" && done > 0 && total > done && sampling_started_s > 0) {
      const double per_step = (now_s() - sampling_started_s) / static_cast<double>(done);
      j["eta_s"] = per_step * static_cast<double>(total - done);
    }
  }
  if (state == ServeJobState::Failed) j["error"] = error;
  return j;
}

ServeJob ServeJob::from_json(const nlohmann::json& j, const std::string& where) {
  ServeJob job;
  ConfigReader r(j, where);
  r.require("id", job.id);
  r.require("sequence", job.sequence);
  std::string state;
  r.require("state", state);
  job.state = state_from_name(state, where);
  r.require("instruction", job.request.instruction);
  r.get("reference", job.request.has_reference);
  r.get("steps", job.request.steps);
  r.get("cfg", job.request.cfg);
  r.get("seed", job.request.seed);
  r.get("window", job.request.window);
  r.get("format", job.request.format);
  r.get("created", job.created_s);
  r.get("started", job.started_s);
  r.get("finished", job.finished_s);
  r.get("runs", job.runs);
  r.get("cancel_requested", job.cancel_requested);
  r.get("error", job.error);
  // What only a running job reports is not kept.
  nlohmann::json ignored;
  for (const char* key : {"stage", "progress", "eta_s"}) r.get(key, ignored);
  r.finish();
  return job;
}

EditJobStore::EditJobStore(std::string folder) : folder_(std::move(folder)) {
  std::error_code ec;
  fs::create_directories(folder_, ec);
  if (ec || !fs::is_directory(folder_)) throw file_error(folder_, "cannot create the jobs folder");
  for (const auto& entry : fs::directory_iterator(folder_)) {
    if (!entry.is_directory()) continue;
    const std::string json = (entry.path() / "job.json").string();
    if (!fs::exists(json)) {
      fs::remove_all(entry.path(), ec);  // an upload that was never accepted
      continue;
    }
    ServeJob job;
    try {
      job = ServeJob::from_json(load_json_file(json), json);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "viva: warning: %s; the job is skipped\n", e.what());
      continue;
    }
    if (job.id != entry.path().filename().string()) continue;
    // Interrupted: run again, unless it was being cancelled.
    if (job.state == ServeJobState::Running) {
      job.state = job.cancel_requested ? ServeJobState::Cancelled : ServeJobState::Queued;
      save(job);
    }
    next_sequence_ = std::max(next_sequence_, job.sequence + 1);
    jobs_[job.id] = job;
  }
}

std::string EditJobStore::job_folder(const std::string& id) const { return folder_ + "/" + id; }

void EditJobStore::save(const ServeJob& job) const {
  write_file_atomically(job_folder(job.id) + "/job.json", job.to_json().dump(2) + "\n");
}

std::string EditJobStore::as_client_sees_it(std::string message, const std::string& id) const {
  for (const auto& [path, name] : {std::make_pair(source_path(id), std::string("the video")),
                                   std::make_pair(reference_path(id), std::string("the reference image")),
                                   std::make_pair(job_folder(id), std::string("the job"))})
    for (std::size_t at = message.find(path); at != std::string::npos; at = message.find(path, at + name.size()))
      message.replace(at, path.size(), name);
  return message;
}

std::string EditJobStore::reserve() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string id = random_id();
  while (jobs_.count(id) || fs::exists(job_folder(id))) id = random_id();
  fs::create_directories(job_folder(id));
  return id;
}

void EditJobStore::discard(const std::string& id) {
  std::error_code ec;
  fs::remove_all(job_folder(id), ec);
}

std::optional<ServeJob> EditJobStore::accept(const std::string& id, const ServeEditRequest& request,
                                             int64_t max_queued) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (queued_locked() >= max_queued) return std::nullopt;
  ServeJob job;
  job.id = id;
  job.sequence = next_sequence_++;
  job.request = request;
  job.created_s = now_s();
  save(job);
  jobs_[id] = job;
  wake_.notify_all();
  return job;
}

std::optional<ServeJob> EditJobStore::find(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  return it->second;
}

int64_t EditJobStore::queued_locked() const {
  int64_t n = 0;
  for (const auto& [id, job] : jobs_) n += job.state == ServeJobState::Queued;
  return n;
}

int64_t EditJobStore::queued() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queued_locked();
}

std::optional<std::string> EditJobStore::running() const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [id, job] : jobs_)
    if (job.state == ServeJobState::Running) return id;
  return std::nullopt;
}

std::optional<ServeJob> EditJobStore::take_next() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    if (closed_) return std::nullopt;
    ServeJob* oldest = nullptr;
    for (auto& [id, job] : jobs_)
      if (job.state == ServeJobState::Queued && (!oldest || job.sequence < oldest->sequence)) oldest = &job;
    if (oldest) {
      oldest->state = ServeJobState::Running;
      oldest->started_s = now_s();
      oldest->sampling_started_s = 0;
      oldest->stage = "starting";
      oldest->done = oldest->total = 0;
      ++oldest->runs;
      save(*oldest);
      return *oldest;
    }
    wake_.wait(lock);
  }
}

void EditJobStore::report(const std::string& id, const std::string& stage, int64_t done, int64_t total) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = jobs_.find(id);
  if (it == jobs_.end()) return;
  ServeJob& job = it->second;
  if (job.cancel_requested || closed_) throw JobCancelled();
  if (stage == "sampling" && job.sampling_started_s == 0) job.sampling_started_s = now_s();
  job.stage = stage;
  job.done = done;
  job.total = total;
}

void EditJobStore::finish(const std::string& id, ServeJobState state, const std::string& error) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = jobs_.find(id);
  if (it == jobs_.end()) return;
  ServeJob& job = it->second;
  job.state = job.cancel_requested ? ServeJobState::Cancelled : state;
  job.error = job.state == ServeJobState::Failed ? error : "";
  job.finished_s = now_s();
  save(job);
}

std::optional<ServeJob> EditJobStore::cancel_or_remove(const std::string& id, bool& removed) {
  removed = false;
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  ServeJob& job = it->second;
  if (finished(job.state)) {
    std::error_code ec;
    fs::remove_all(job_folder(id), ec);
    jobs_.erase(it);
    removed = true;
    return std::nullopt;
  }
  job.cancel_requested = true;
  if (job.state == ServeJobState::Queued) {
    job.state = ServeJobState::Cancelled;
    job.finished_s = now_s();
  }
  save(job);
  return job;
}

bool EditJobStore::closed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return closed_;
}

void EditJobStore::close() {
  std::lock_guard<std::mutex> lock(mutex_);
  closed_ = true;
  wake_.notify_all();
}

}  // namespace viva
