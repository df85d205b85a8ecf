#include "viva/serve/edit_server.h"

#include <httplib.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "viva/core/atomic_file.h"
#include "viva/core/device.h"
#include "viva/core/error.h"
#include "viva/core/jsonl_log.h"
#include "viva/io/image.h"
#include "viva/io/video_reader.h"
#include "viva/serve/edit_job_store.h"
#include "viva/serve/edit_worker.h"
#include "viva/serve/web_page.h"

namespace viva {
namespace {

namespace fs = std::filesystem;

bool is_loopback(const std::string& host) { return host == "127.0.0.1" || host == "localhost" || host == "::1"; }

void answer(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void refuse(httplib::Response& res, int status, const std::string& why) { answer(res, status, {{"error", why}}); }

// A 400 for a form field that is not what it should be.
struct BadField : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::optional<std::string> form_text(const httplib::Request& req, const std::string& key) {
  if (!req.has_file(key)) return std::nullopt;
  return req.get_file_value(key).content;
}

template <class T>
std::optional<T> form_number(const httplib::Request& req, const std::string& key, T low, T high) {
  const auto text = form_text(req, key);
  if (!text || text->empty()) return std::nullopt;
  try {
    std::size_t used = 0;
    const long double value = std::stold(*text, &used);
    if (used != text->size()) throw std::invalid_argument("trailing text");
    if (!(value >= static_cast<long double>(low) && value <= static_cast<long double>(high))) throw std::out_of_range("range");
    if (std::is_integral_v<T> && value != static_cast<long double>(static_cast<T>(value))) throw std::invalid_argument("whole");
    return static_cast<T>(value);
  } catch (const std::exception&) {
    throw BadField(key + " must be a " + (std::is_integral_v<T> ? "whole number" : "number") + " from " +
                   std::to_string(low) + " to " + std::to_string(high) + ", not '" + text->substr(0, 40) + "'");
  }
}

// Job routes: the id is checked against the ids the store made (24 hex digits) before any lookup.
const char* const kJobRoute = R"(/v1/edits/([0-9a-f]{24}))";

}  // namespace

void check_server_exposure(const EditServerOptions& options) {
  if (!is_loopback(options.host) && options.api_key.empty())
    throw Error("viva serve", "serving on " + options.host +
                                  " (beyond this machine) needs an API key: --api-key-file FILE or VIVA_API_KEY");
}

bool equal_in_constant_time(const std::string& a, const std::string& b) {
  const std::size_t n = std::max(a.size(), b.size());
  unsigned difference = a.size() == b.size() ? 0u : 1u;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    difference |= static_cast<unsigned>(x ^ y);
  }
  return difference == 0;
}

struct EditServer::Impl {
  EditServerOptions options;
  EditJobStore store;
  JsonlLog log;
  EditWorker worker;
  httplib::Server http;

  // The model loads first: a model that cannot leaves no jobs folder behind.
  explicit Impl(EditServerOptions o, std::unique_ptr<VivaPipeline> model)
      : options(std::move(o)), store(options.jobs), log(options.jobs + "/server.jsonl"), worker(store, std::move(model), log) {
    routes();
  }

  bool authorised(const httplib::Request& req) const {
    if (options.api_key.empty()) return true;
    std::string given = req.get_header_value("X-API-Key");
    const std::string bearer = req.get_header_value("Authorization");
    if (given.empty() && bearer.rfind("Bearer ", 0) == 0) given = bearer.substr(7);
    return equal_in_constant_time(given, options.api_key);
  }

  nlohmann::json job_view(const ServeJob& job) const {
    nlohmann::json j = job.to_json();
    j.erase("sequence");
    j.erase("cancel_requested");
    if (job.state == ServeJobState::Done)
      j["links"] = {{"video", "/v1/edits/" + job.id + "/video"}, {"side_by_side", "/v1/edits/" + job.id + "/side_by_side"}};
    return j;
  }

  void routes() {
    http.new_task_queue = [n = options.http_threads] { return new httplib::ThreadPool(static_cast<std::size_t>(n)); };
    // The upload limit plus room for the form's other fields.
    http.set_payload_max_length(options.max_upload_bytes + (std::size_t(1) << 20));
    http.set_read_timeout(options.read_timeout_s, 0);
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (req.path.rfind("/v1/", 0) == 0 && req.path != "/v1/health" && !authorised(req)) {
        refuse(res, 401, "missing or wrong API key (Authorization: Bearer KEY, or X-API-Key)");
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    // Every error answers JSON, including those the library makes (413, 404 for unknown routes).
    http.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      const std::string why = res.status == 413 ? "the upload is larger than this server accepts"
                              : res.status == 404 ? "no such route"
                              : res.status == 400 ? "malformed HTTP request"
                                                  : "request refused";
      refuse(res, res.status, why);
      return httplib::Server::HandlerResponse::Handled;
    }));
    http.set_exception_handler([this](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
      std::string what = "unknown error";
      try {
        std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
      }
      log.write("internal_error", {{"path", req.path}, {"error", what}});
      refuse(res, 500, "internal error");
    });

    http.Get("/", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(web_page_html(), "text/html; charset=utf-8");
    });
    http.Get("/v1/health", [this](const httplib::Request&, httplib::Response& res) {
      const auto running = store.running();
      answer(res, 200,
             {{"status", "ok"},
              {"queued", store.queued()},
              {"running", running ? nlohmann::json(*running) : nlohmann::json()},
              {"auth_required", !options.api_key.empty()}});
    });
    http.Get("/v1/model", [this](const httplib::Request&, httplib::Response& res) {
      nlohmann::json j = worker.model_info();
      j["dtype"] = options.dtype;
      j["limits"] = {{"max_upload_bytes", options.max_upload_bytes},
                     {"max_frames", options.max_frames},
                     {"max_queue", options.max_queue}};
      answer(res, 200, j);
    });
    http.Get("/v1/sample", [this](const httplib::Request&, httplib::Response& res) {
      if (options.sample.empty() || !fs::is_regular_file(options.sample)) return refuse(res, 404, "this server has no sample");
      res.set_content(read_file(options.sample), "application/octet-stream");
      res.set_header("Content-Disposition", "attachment; filename=\"sample" + fs::path(options.sample).extension().string() + "\"");
    });
    http.Post("/v1/edits", [this](const httplib::Request& req, httplib::Response& res) { submit(req, res); });
    http.Get(kJobRoute, [this](const httplib::Request& req, httplib::Response& res) {
      const auto job = store.find(req.matches[1]);
      if (!job) return refuse(res, 404, "no such edit");
      answer(res, 200, job_view(*job));
    });
    http.Get(std::string(kJobRoute) + "/(video|side_by_side)", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string id = req.matches[1];
      const auto job = store.find(id);
      if (!job) return refuse(res, 404, "no such edit");
      if (job->state != ServeJobState::Done)
        return refuse(res, 409, std::string("the edit is ") + serve_job_state_name(job->state) + ", not done");
      const bool edit = req.matches[2] == "video";
      const std::string format = edit ? job->request.format : "mp4";
      res.set_content(read_file(edit ? store.edited_path(id, format) : store.side_by_side_path(id)),
                      format == "mp4" ? "video/mp4" : "video/x-matroska");
      res.set_header("Content-Disposition",
                     "inline; filename=\"" + std::string(req.matches[2]) + "-" + id + "." + format + "\"");
    });
    http.Delete(kJobRoute, [this](const httplib::Request& req, httplib::Response& res) {
      bool removed = false;
      const auto job = store.cancel_or_remove(req.matches[1], removed);
      if (removed) return answer(res, 200, {{"id", std::string(req.matches[1])}, {"state", "deleted"}});
      if (!job) return refuse(res, 404, "no such edit");
      log.write("job_cancel_requested", {{"id", job->id}});
      answer(res, 200, job_view(*job));
    });
  }

  void submit(const httplib::Request& req, httplib::Response& res) {
    if (!req.is_multipart_form_data())
      return refuse(res, 400, "send multipart/form-data with the fields video and instruction");
    ServeEditRequest request;
    std::string video, reference;
    try {
      const auto video_field = form_text(req, "video");
      if (!video_field || video_field->empty()) throw BadField("no video: send it as the form field 'video'");
      video = *video_field;
      request.instruction = form_text(req, "instruction").value_or("");
      if (request.instruction.find_first_not_of(" \t\r\n") == std::string::npos)
        throw BadField("no instruction: say what to change in the form field 'instruction'");
      if (request.instruction.size() > 4000) throw BadField("the instruction is longer than 4000 bytes");
      reference = form_text(req, "reference").value_or("");
      request.has_reference = !reference.empty();
      request.steps = form_number<int>(req, "steps", 1, 200);
      request.cfg = form_number<double>(req, "cfg", 0.0, 30.0);
      request.seed = form_number<uint64_t>(req, "seed", 0, uint64_t(1) << 53);
      request.window = form_number<int>(req, "window", 5, 1025);
      if (request.window && (*request.window - 1) % 4 != 0) throw BadField("window must be 4k+1 frames (5, 9, 13, ...)");
      request.format = form_text(req, "format").value_or("mp4");
      if (request.format != "mp4" && request.format != "mkv") throw BadField("format must be mp4 or mkv");
    } catch (const BadField& e) {
      log.write("rejected", {{"status", 400}, {"error", e.what()}});
      return refuse(res, 400, e.what());
    }
    const auto queue_full = [&] {
      log.write("rejected", {{"status", 429}, {"error", "queue full"}});
      res.set_header("Retry-After", "30");
      refuse(res, 429, "the queue is full (" + std::to_string(options.max_queue) + " edits waiting); try again later");
    };
    if (store.queued() >= options.max_queue) return queue_full();  // before storing the uploads
    // The uploads are stored under fixed names in the job's own folder, then checked.
    const std::string id = store.reserve();
    try {
      write_file_atomically(store.source_path(id), video);
      const VideoInfo info = probe_video(store.source_path(id));
      if (info.frame_count > options.max_frames)
        throw BadField("the video has " + std::to_string(info.frame_count) + " frames; this server edits at most " +
                       std::to_string(options.max_frames));
      if (request.has_reference) {
        write_file_atomically(store.reference_path(id), reference);
        read_image(store.reference_path(id));
      }
    } catch (const std::exception& e) {
      const std::string why = store.as_client_sees_it(e.what(), id);
      store.discard(id);
      log.write("rejected", {{"status", 400}, {"error", why}});
      return refuse(res, 400, why);
    }
    const auto job = store.accept(id, request, options.max_queue);  // the limit again, atomically
    if (!job) {
      store.discard(id);
      return queue_full();
    }
    log.write("accepted", {{"id", id}, {"instruction", request.instruction}});
    nlohmann::json body = job_view(*job);
    body["status_url"] = "/v1/edits/" + id;
    res.set_header("Location", "/v1/edits/" + id);
    answer(res, 202, body);
  }
};

EditServer::EditServer(EditServerOptions options) {
  check_server_exposure(options);
  const torch::Device device = parse_device(options.device);
  const torch::ScalarType dtype = parse_compute_dtype(options.dtype, device);
  options.dtype = dtype_label(dtype);  // "auto" resolved: what /v1/model reports
  auto model = EditWorker::load_model(options.model, device, dtype);
  impl_ = std::make_unique<Impl>(std::move(options), std::move(model));
}

EditServer::~EditServer() { stop(); }

int EditServer::bind() {
  const EditServerOptions& o = impl_->options;
  const int port = o.port == 0 ? impl_->http.bind_to_any_port(o.host) : (impl_->http.bind_to_port(o.host, o.port) ? o.port : -1);
  if (port < 0) throw Error("viva serve", "cannot listen on " + o.host + ":" + std::to_string(o.port) + " (in use, or not this machine's address)");
  return port;
}

void EditServer::run() {
  impl_->worker.start();
  impl_->log.write("serving", {{"host", impl_->options.host}, {"model", impl_->options.model}});
  impl_->http.listen_after_bind();
}

void EditServer::stop() {
  if (!impl_) return;
  impl_->store.close();
  impl_->http.stop();
}

}  // namespace viva
