#pragma once
// Small helpers shared by the FFmpeg reader and writer.
#include <string>

namespace viva {

// FFmpeg's text for an AVERROR code.
std::string av_error_text(int code);

// FFmpeg logs to stderr by default (x264 statistics, decoder warnings); viva reports errors
// itself, so libav* logging is silenced once per process.
void quiet_ffmpeg_logs();

}  // namespace viva
