#pragma once
// The side-by-side view users compare edits with: source | edited, the instruction below.
#include <string>

#include "viva/io/video_frames.h"
#include "viva/io/video_writer.h"

namespace viva {

// Both videos must have the same frame size (the source is usually the resized input); when
// frame counts differ, the shorter one holds its last frame.
VideoFrames compose_side_by_side(const VideoFrames& source, const VideoFrames& edited, const std::string& caption);

void write_side_by_side(const std::string& path, const VideoFrames& source, const VideoFrames& edited,
                        const std::string& caption, const EncodeOptions& options = {});

}  // namespace viva
