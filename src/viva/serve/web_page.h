#pragma once
// The page `viva serve` answers at /: plain HTML, CSS and JavaScript in one document (no build
// step, nothing fetched from elsewhere), usable on a phone. It picks a video or the server's
// sample, takes the instruction and an optional reference image, submits to /v1/edits, follows
// the job's stage, progress and ETA, then plays the edit and the side-by-side and offers both
// for download.
#include <string>

namespace viva {

const std::string& web_page_html();

}  // namespace viva
