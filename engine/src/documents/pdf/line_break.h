// Line breaking: text wrapped at spaces to a width, paragraphs ("\n") kept. A word wider than
// the line (a URL, an identifier, a long compound) is broken as a last resort, always with a
// visible hyphen (none added after a '-' it already has), preferably between syllables as far as
// letters tell (no dictionary), never leaving fewer than two characters on a line. A date or time
// ("2026-12-02T15:48:00Z", "02/12/2026", "15:48") is never broken: it gets a line of its own.
// Widths are the font's advances (no kerning) for plain text (shaper.h: FontSet::plain).
// A paragraph holding text of a script face (Arabic, Bengali, Chinese, …) is broken where
// libunibreak (UAX #14) allows, so Chinese breaks between ideographs and Thai-free scripts at
// spaces, with widths from the shaped runs (each piece between break opportunities shaped on
// its own); an over-long piece is cut between characters (never before a combining mark or
// after a virama) with a hyphen, and a date or time still gets a line of its own. Each line of
// such a paragraph carries the paragraph's bidi levels and direction (TextLine::bidi).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "shaper.h"

namespace sendflow::engine::pdf {

// One entry per line; an empty paragraph is an empty line. `size` in points. Lines of a
// paragraph with script-face or right-to-left text carry the paragraph's bidi (FriBidi's levels
// over the whole paragraph and its direction, TextLine::bidi), so each line is ordered and
// aligned as part of its paragraph.
std::vector<TextLine> wrapText(std::string_view utf8, const FontSet& fonts, bool bold, float size,
                               float maxWidth);

// Whether a word (no spaces) reads as a date or a time: digits with '-', '/', ':', '.', 'T', 'Z'
// or a '+' offset, and at least one '-', '/' or ':' between digits.
bool isDateTimeToken(std::u32string_view word);

}  // namespace sendflow::engine::pdf
