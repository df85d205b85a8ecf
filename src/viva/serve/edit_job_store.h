#pragma once
// The server's jobs, kept on disk so that nothing accepted is lost: each job is a folder
// <jobs>/<id>/ with job.json (written whole on every change of state), the uploaded source and
// reference (under fixed names: an uploaded file's name never reaches the file system) and,
// when done, the edit and the side-by-side. A store opened on a folder with jobs from an
// earlier run keeps the finished ones and queues again those that were queued or running.
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace viva {

enum class ServeJobState { Queued, Running, Done, Failed, Cancelled };
const char* serve_job_state_name(ServeJobState state);

// What the client asked for; empty fields take the model's defaults.
struct ServeEditRequest {
  std::string instruction;
  bool has_reference = false;
  std::optional<int> steps, window;
  std::optional<double> cfg;
  std::optional<uint64_t> seed;
  std::string format = "mp4";  // of the edit: "mp4" (H.264, plays in browsers) or "mkv" (lossless FFV1)
};

struct ServeJob {
  std::string id;
  int64_t sequence = 0;  // order of acceptance: the queue runs oldest first
  ServeEditRequest request;
  ServeJobState state = ServeJobState::Queued;
  std::string stage;          // while running: reading, encoding, sampling, decoding, writing
  int64_t done = 0, total = 0;  // sampling steps, over every window
  double created_s = 0, started_s = 0, finished_s = 0, sampling_started_s = 0;  // Unix seconds
  std::string error;          // the one-line reason, when failed
  int runs = 0;               // times it was started (a restart runs an interrupted job again)
  bool cancel_requested = false;

  nlohmann::json to_json() const;  // also what GET /v1/edits/{id} answers, with eta_s while sampling
  static ServeJob from_json(const nlohmann::json& j, const std::string& where);
};

class EditJobStore {
 public:
  explicit EditJobStore(std::string folder);

  const std::string& folder() const { return folder_; }
  std::string job_folder(const std::string& id) const;
  // The files of a job's folder.
  std::string source_path(const std::string& id) const { return job_folder(id) + "/source"; }
  std::string reference_path(const std::string& id) const { return job_folder(id) + "/reference"; }
  std::string edited_path(const std::string& id, const std::string& format) const {
    return job_folder(id) + "/edited." + format;
  }
  std::string side_by_side_path(const std::string& id) const { return job_folder(id) + "/side_by_side.mp4"; }

  // `message` with the job's file paths replaced by what the client calls them ("the video",
  // "the reference image"): errors name the upload, not the server's folders.
  std::string as_client_sees_it(std::string message, const std::string& id) const;

  // A new id and its empty folder, for the uploads; accept() or discard() follows.
  std::string reserve();
  void discard(const std::string& id);
  // Queues a reserved job whose files are in place, unless `max_queued` jobs are already
  // waiting (then nothing: the caller discards it).
  std::optional<ServeJob> accept(const std::string& id, const ServeEditRequest& request, int64_t max_queued);

  std::optional<ServeJob> find(const std::string& id) const;
  int64_t queued() const;
  std::optional<std::string> running() const;

  // Blocks until a job is queued (or close()); marks it running and returns it.
  std::optional<ServeJob> take_next();
  // While running: the stage and the steps done; throws JobCancelled when a cancel was asked
  // or the store is closing.
  void report(const std::string& id, const std::string& stage, int64_t done, int64_t total);
  void finish(const std::string& id, ServeJobState state, const std::string& error = "");

  // DELETE: a queued job is cancelled, a running one asked to stop; a finished one (done,
  // failed or cancelled) is removed with its files. Returns the job as it then stands, or
  // nothing for an unknown id (or one just removed: then `removed` is set).
  std::optional<ServeJob> cancel_or_remove(const std::string& id, bool& removed);

  // Shutdown: wakes take_next(), and report() stops the running job, which stays running on
  // disk (the next start runs it again).
  void close();
  bool closed() const;

 private:
  void save(const ServeJob& job) const;
  int64_t queued_locked() const;  // the caller holds mutex_

  std::string folder_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, ServeJob> jobs_;
  int64_t next_sequence_ = 1;
  bool closed_ = false;
};

// Thrown by EditJobStore::report when the job was cancelled.
struct JobCancelled : std::exception {
  const char* what() const noexcept override { return "cancelled"; }
};

}  // namespace viva
