// Line breaking: text wrapped at spaces to a width, paragraphs ("\n") kept, a word wider than
// the line broken between characters. Widths are the font's advances (no kerning, no shaping).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "font_face.h"

namespace sendflow::engine::pdf {

// One entry per line; an empty paragraph is an empty line. `size` in points.
std::vector<std::string> wrapText(std::string_view utf8, const FontFace& font, float size,
                                  float maxWidth);

}  // namespace sendflow::engine::pdf
