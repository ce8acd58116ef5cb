// Form-agnostic PDF rendering (libharu): a neutral document model, the renderer, and the font
// preparation it relies on. Mapping a plan + its form definition onto PdfDocument happens
// elsewhere; nothing here knows a plan type.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sendflow/engine/core/clock.h"

namespace sendflow::engine {

// ---------------------------------------------------------------------------------------------
// Document model. Every std::string is UTF-8 text from users or definitions; the renderer never
// drops a character silently (see RenderedPdf::placeholderFields). An empty std::optional is an
// empty optional value and prints as "—".

struct PdfColour {
  std::uint8_t r = 0, g = 0, b = 0;
};

// A short value beside its label ("Preferred name: Zoë").
struct PdfText {
  std::optional<std::string> value;
};

// Free text under its label, wrapped at word boundaries, paragraphs ("\n") kept, flowing across
// pages.
struct PdfLongText {
  std::optional<std::string> text;
};

struct PdfYesNo {
  std::optional<bool> value;
};

// Single or multiple choice. With `options` every option is listed and the chosen ones are
// marked (box + bold); without, only the chosen values are listed.
struct PdfChoice {
  std::vector<std::string> options;
  std::vector<std::string> chosen;
  bool multiple = false;
};

struct PdfTableColumn {
  std::string header;
  float weight = 1;  // relative width
};

// A repeating table: the column headers repeat on every page, rows are not cut unless a single
// row is taller than a whole page (then it continues on the next page, marked as such).
struct PdfTable {
  std::vector<PdfTableColumn> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;  // each row: one cell per column
  std::string emptyText = "No entries";
};

// A computed rating: the band is shown by name and score, the colour is a second signal only.
struct PdfRating {
  std::optional<std::string> score;  // "12", "12 / 25"; empty when not computable yet
  std::string band;                  // "High"
  PdfColour colour;
};

using PdfItemContent = std::variant<PdfText, PdfLongText, PdfYesNo, PdfChoice, PdfTable, PdfRating>;

struct PdfItem {
  std::string id;     // field id; reported in RenderedPdf::placeholderFields
  std::string label;  // may be empty for an unlabelled long text or table
  PdfItemContent content;
  std::string help;  // optional help/notes line under the item
};

struct PdfSection {
  std::string title;
  std::string intro;  // optional line under the heading
  std::vector<PdfItem> items;
};

struct PdfDeadline {
  std::string name;
  std::optional<Date> due;
  std::string status;  // "Done", "Due", "Overdue", …
};

// One signer slot. Unsigned slots (no signedAt) print lines to sign on.
struct PdfSignature {
  std::string role;  // "Parent / carer"
  std::optional<std::string> name;
  std::optional<TimePoint> signedAt;
  std::optional<std::string> method;  // "Typed", "Drawn", "Declined: …"
  std::string drawnPng;               // optional PNG bytes of a drawn signature
};

struct PdfLabelValue {
  std::string label;
  std::optional<std::string> value;
};

// An optional final page (the e-signature issue's audit certificate).
struct PdfAuditCertificate {
  std::string title = "Audit certificate";
  std::string intro;
  std::vector<PdfLabelValue> rows;
  std::optional<PdfTable> table;
  std::string tableTitle;
};

struct PdfHeader {
  std::string academyName;
  std::string logoPng;  // optional PNG bytes; an unreadable image prints a visible note instead
  std::string title;    // "Personal Emergency Evacuation Plan"
  std::string pupilName;
  std::optional<Date> dateOfBirth;
  std::string yearGroup;
  std::string planState;  // "Draft", "Active", …
  int version = 1;
  TimePoint versionDate{};
  std::string contentHash;  // full hex; the footer shows the first 12 characters
  std::string confidentiality = "OFFICIAL-SENSITIVE — contains personal information about a child";
};

struct PdfDocument {
  PdfHeader header;
  std::string subject;  // metadata subject; defaults to "<title> for <pupil>"
  std::vector<PdfSection> sections;
  std::optional<Date> reviewDate;
  std::vector<PdfDeadline> deadlines;  // EHCP annual review; section omitted when empty
  std::vector<PdfSignature> signatures;
  std::optional<PdfAuditCertificate> auditCertificate;
};

struct RenderedPdf {
  std::string bytes;
  // Ids of fields (or "header.<name>", "signature.<n>", "audit.<n>") where characters the font
  // cannot show were replaced by a visible placeholder. Sorted, unique.
  std::vector<std::string> placeholderFields;
  int pages = 0;
};

// ---------------------------------------------------------------------------------------------
// Fonts. libharu re-reads and re-embeds the whole TrueType file for every document (a full
// DejaVu costs ~10 ms per document and font). So the renderer reduces each font once, at
// construction, to the scripts it supports (Latin incl. Extended and Vietnamese, Greek,
// Cyrillic, punctuation, common symbols), and by default, for every document, embeds a font cut
// down to the characters that document uses, written as Type0/CIDFontType2 objects through
// libharu's object layer (libharu's own TrueType path builds a 64K-entry map per font and
// document). Text outside the supported scripts becomes a visible placeholder.
enum class PdfFontStrategy {
  kFullFont,           // embed the original files (comparison only)
  kScriptSubset,       // embed the reduced font
  kPerDocumentSubset,  // embed only the glyphs the document uses, our font objects (default)
};

struct PdfFonts {
  std::string regularPath;
  std::string boldPath;
  PdfFontStrategy strategy = PdfFontStrategy::kPerDocumentSubset;

  // /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf and DejaVuSans-Bold.ttf
  static PdfFonts dejaVu();
};

// A TrueType font reduced to the supported code points, with the metrics the layout needs.
struct PreparedFont {
  std::string ttf;  // a complete TrueType file (renumbered glyphs) or the original bytes
  // Advance width in 1/1000 em (as libharu computes it) per BMP code point; -1 = not shown.
  std::vector<std::int16_t> widths;
  std::vector<std::uint16_t> glyphs;  // BMP code point → glyph id in ttf
  int glyphCount = 0;

  bool covers(char32_t cp) const { return cp < widths.size() && widths[cp] >= 0; }
  // A complete TrueType file with only the glyphs of these code points (uncovered ones ignored).
  std::string subset(const std::vector<char32_t>& codePoints) const;
  // A TrueType file for a CID-keyed (Identity) embedding: glyph i + 1 draws codePoints[i]
  // (.notdef when not covered), one glyph per code point, so every glyph maps back to exactly one
  // character; glyph 0 is .notdef.
  std::string orderedSubset(const std::vector<char32_t>& codePoints) const;

  // Font descriptor values, in 1/1000 em.
  int ascent = 0, descent = 0, capHeight = 0;
  std::array<int, 4> bbox{};
  std::string postScriptName;
};

// REQUIRES: ttf is a TrueType (glyf) font with a Unicode cmap. Throws InfraError otherwise.
PreparedFont prepareFont(std::string_view ttf, bool subset);

// True for code points the renderer will draw if the font has a glyph: scripts that need no
// shaping and no bidi. Arabic-script, Hebrew, Indic, Thai, CJK, emoji… are false.
bool isRenderableCodePoint(char32_t cp);

// Thread-safe: render() is const and may run on many threads at once.
class PdfRenderer {
 public:
  // Reads and prepares the fonts; throws InfraError when a font cannot be read or parsed.
  explicit PdfRenderer(PdfFonts fonts = PdfFonts::dejaVu());
  ~PdfRenderer();
  PdfRenderer(const PdfRenderer&) = delete;
  PdfRenderer& operator=(const PdfRenderer&) = delete;

  // Same input → same bytes. Throws InfraError on a libharu failure (after the C call returned).
  RenderedPdf render(const PdfDocument& document) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Writes bytes to path atomically: a temporary file in the same directory, fsync, rename, fsync
// of the directory. On failure the target is untouched and no temporary file is left; throws
// InfraError.
void writeFileAtomically(const std::string& path, std::string_view bytes);

}  // namespace sendflow::engine
