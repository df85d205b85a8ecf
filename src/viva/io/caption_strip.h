#pragma once
// Text rendered into pixels with stb_easy_font (a public-domain vector font), for caption
// strips under side-by-side videos. ASCII only; other bytes are drawn as '?'.
#include <string>

#include "viva/io/image.h"

namespace viva {

// A strip `width` pixels wide holding `text` word-wrapped, light on dark; its height fits the
// text and is even (H.264 needs even sizes).
Image render_caption(const std::string& text, int width);

}  // namespace viva
