#include "font_face.h"

#include <hb-ot.h>
#include <hb-subset.h>
#include <hb.h>

#include <algorithm>
#include <cctype>

#include "sendflow/engine/core/error.h"
#include "sendflow/engine/documents/pdf/renderer.h"

namespace sendflow::engine::pdf {
namespace {

[[noreturn]] void bad(const char* what) {
  throw InfraError(std::string("TrueType font not usable: ") + what);
}

// The tables a CIDFontType2 embedding reads (PDF 32000 9.9: no cmap, the CIDToGIDMap maps CIDs
// to glyphs); every other table is dropped from the subsets (cmap, layout, hinting, names, …:
// bytes to deflate for every document).
// A CFF-flavoured script face (Noto CJK) keeps its CFF table: that table is what is embedded
// (FontFile3 /CIDFontType0C).
constexpr hb_tag_t kKeptTables[] = {HB_TAG('h', 'e', 'a', 'd'), HB_TAG('h', 'h', 'e', 'a'),
                                    HB_TAG('m', 'a', 'x', 'p'), HB_TAG('g', 'l', 'y', 'f'),
                                    HB_TAG('l', 'o', 'c', 'a'), HB_TAG('h', 'm', 't', 'x'),
                                    HB_TAG('C', 'F', 'F', ' ')};

std::vector<hb_tag_t> tablesToDrop(hb_face_t* face) {
  std::vector<hb_tag_t> all(hb_face_get_table_tags(face, 0, nullptr, nullptr));
  auto n = static_cast<unsigned>(all.size());
  hb_face_get_table_tags(face, 0, &n, all.data());
  all.resize(n);
  std::erase_if(
      all, [](hb_tag_t t) { return std::ranges::find(kKeptTables, t) != std::end(kKeptTables); });
  return all;
}

// The head table's font bounding box (xMin, yMin, xMax, yMax in font units): HarfBuzz exposes
// every other descriptor value, not this one.
std::array<int, 4> headBoundingBox(hb_face_t* face) {
  hb_blob_t* head = hb_face_reference_table(face, HB_TAG('h', 'e', 'a', 'd'));
  unsigned len = 0;
  const char* d = hb_blob_get_data(head, &len);
  std::array<int, 4> box{};
  if (d && len >= 44) {
    for (std::size_t i = 0; i < 4; ++i) {
      auto hi = static_cast<std::uint8_t>(d[36 + 2 * i]),
           lo = static_cast<std::uint8_t>(d[37 + 2 * i]);
      box[i] = static_cast<std::int16_t>((hi << 8) | lo);
    }
  }
  hb_blob_destroy(head);
  return box;
}

std::string postScriptName(hb_face_t* face) {
  char buf[128] = {};
  unsigned len = sizeof buf;
  hb_ot_name_get_utf8(face, HB_OT_NAME_ID_POSTSCRIPT_NAME, HB_LANGUAGE_INVALID, &len, buf);
  std::string out;
  for (unsigned i = 0; i < len && buf[i]; ++i) {
    if (std::isalnum(static_cast<unsigned char>(buf[i])) || buf[i] == '-') out.push_back(buf[i]);
  }
  return out.empty() ? "Font" : out;
}

}  // namespace

FontFace::FontFace(std::string ttf) {
  if (ttf.size() < 12 ||
      (ttf.compare(0, 4, std::string("\0\1\0\0", 4)) != 0 && ttf.compare(0, 4, "true") != 0)) {
    bad("not a TrueType outline font");
  }
  auto* owned = new std::string(std::move(ttf));
  hb_blob_t* blob =
      hb_blob_create(owned->data(), static_cast<unsigned>(owned->size()), HB_MEMORY_MODE_READONLY,
                     owned, [](void* p) { delete static_cast<std::string*>(p); });
  face_ = hb_face_create(blob, 0);
  hb_blob_destroy(blob);
  finishConstruction();
}

FontFace::FontFace(std::shared_ptr<const void> owner, std::string_view bytes, unsigned faceIndex)
    : script_(true) {
  auto* keep = new std::shared_ptr<const void>(std::move(owner));
  hb_blob_t* blob =
      hb_blob_create(bytes.data(), static_cast<unsigned>(bytes.size()), HB_MEMORY_MODE_READONLY,
                     keep, [](void* p) { delete static_cast<std::shared_ptr<const void>*>(p); });
  face_ = hb_face_create(blob, faceIndex);
  hb_blob_destroy(blob);
  hb_blob_t* cffTable = hb_face_reference_table(face_, HB_TAG('C', 'F', 'F', ' '));
  cff_ = hb_blob_get_length(cffTable) > 0;
  hb_blob_destroy(cffTable);
  finishConstruction();
}

void FontFace::finishConstruction() {
  hb_face_make_immutable(face_);
  upem_ = hb_face_get_upem(face_);
  if (hb_face_get_glyph_count(face_) == 0 || upem_ == 0) {
    hb_face_destroy(face_);
    bad("no glyphs");
  }
  font_ = hb_font_create(face_);
  hb_font_set_scale(font_, static_cast<int>(upem_), static_cast<int>(upem_));
  hb_font_make_immutable(font_);
  try {
    if (script_) {
      hb_blob_t* cmap = hb_face_reference_table(face_, HB_TAG('c', 'm', 'a', 'p'));
      const bool any = hb_blob_get_length(cmap) > 0;
      hb_blob_destroy(cmap);
      if (!any) bad("no Unicode cmap");
    } else {
      readCoverage();
    }
    readMetrics();
  } catch (...) {
    hb_font_destroy(font_);
    hb_face_destroy(face_);
    throw;
  }
  dropTables_ = tablesToDrop(face_);
}

FontFace::~FontFace() {
  if (hb_face_t* p = preprocessed_.load()) hb_face_destroy(p);
  hb_font_destroy(font_);
  hb_face_destroy(face_);
}

bool FontFace::coversByCmap(char32_t cp) const {
  hb_codepoint_t gid = 0;
  return hb_font_get_nominal_glyph(font_, cp, &gid) && gid != 0;
}

std::uint32_t FontFace::spaceGlyph() const {
  hb_codepoint_t gid = 0;
  return hb_font_get_nominal_glyph(font_, ' ', &gid) ? gid : 0;
}

int FontFace::glyphAdvance(std::uint32_t glyph) const {
  return static_cast<int>(static_cast<long>(hb_font_get_glyph_h_advance(font_, glyph)) * 1000 /
                          static_cast<long>(upem_));
}

hb_face_t* FontFace::subsetSource() const {
  if (script_) return face_;  // (a preprocessed copy of a large Noto face costs more than it saves)
  if (hb_face_t* p = preprocessed_.load(std::memory_order_acquire)) return p;
  if (subsets_.fetch_add(1, std::memory_order_relaxed) == 0) return face_;
  std::call_once(preprocessOnce_, [this] {
    preprocessed_.store(hb_subset_preprocess(face_), std::memory_order_release);
  });
  return preprocessed_.load(std::memory_order_acquire);
}

void FontFace::readCoverage() {
  hb_font_t* font = hb_font_create(face_);
  const auto upem = static_cast<int>(hb_face_get_upem(face_));
  hb_font_set_scale(font, upem, upem);
  hb_set_t* unicodes = hb_set_create();
  hb_face_collect_unicodes(face_, unicodes);
  widths_.assign(0x10000, -1);
  glyphs_.assign(0x10000, 0);
  bool any = false;
  for (hb_codepoint_t cp = HB_SET_VALUE_INVALID; hb_set_next(unicodes, &cp) && cp < 0x10000;) {
    hb_codepoint_t gid = 0;
    if (!isRenderableCodePoint(cp) || !hb_font_get_nominal_glyph(font, cp, &gid)) continue;
    // As libharu computes it: advance * 1000 / unitsPerEm, truncated.
    widths_[cp] = static_cast<std::int16_t>(hb_font_get_glyph_h_advance(font, gid) * 1000 / upem);
    glyphs_[cp] = static_cast<std::uint16_t>(gid);
    any = true;
  }
  hb_set_destroy(unicodes);
  hb_font_destroy(font);
  if (!any) bad("no Unicode cmap");
}

void FontFace::readMetrics() {
  hb_font_t* font = hb_font_create(face_);
  const auto upem = static_cast<int>(hb_face_get_upem(face_));
  hb_font_set_scale(font, upem, upem);
  auto scale = [&](int v) { return v * 1000 / upem; };
  auto metric = [&](hb_ot_metrics_tag_t tag, int fallback) {
    hb_position_t v = 0;
    return hb_ot_metrics_get_position(font, tag, &v) ? scale(v) : fallback;
  };
  metrics_.ascent = metric(HB_OT_METRICS_TAG_HORIZONTAL_ASCENDER, 0);
  metrics_.descent = metric(HB_OT_METRICS_TAG_HORIZONTAL_DESCENDER, 0);
  metrics_.capHeight = metric(HB_OT_METRICS_TAG_CAP_HEIGHT, metrics_.ascent);
  metrics_.bbox = headBoundingBox(face_);
  for (int& v : metrics_.bbox) v = scale(v);
  metrics_.postScriptName = postScriptName(face_);
  hb_font_destroy(font);
}

}  // namespace sendflow::engine::pdf
