#pragma once
// Small helpers shared by the FFmpeg reader and writer.
#include <string>

struct AVStream;

namespace viva {

// FFmpeg's text for an AVERROR code.
std::string av_error_text(int code);

// FFmpeg logs to stderr by default (x264 statistics, decoder warnings); viva reports errors
// itself, so libav* logging is silenced once per process.
void quiet_ffmpeg_logs();

// The clockwise rotation (0, 90, 180 or 270) a player applies to `stream`'s frames, from its
// display matrix (phones record portrait video as landscape frames plus this); 0 without one.
int stream_rotation(const AVStream* stream);
// Records that rotation on a stream being written (before the header).
void set_stream_rotation(AVStream* stream, int clockwise_degrees);

}  // namespace viva
