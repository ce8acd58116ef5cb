#include "cid_font.h"

#include <hb.h>
#include <hpdf_doc.h>
#include <hpdf_objects.h>

#include <algorithm>

#include "haru.h"

namespace sendflow::engine::pdf {
namespace {

constexpr const char* kWhat = "embedding a font";

// The CFF table of an OpenType font (its table directory read by HarfBuzz).
std::string cffTable(const std::string& otf) {
  hb_blob_t* blob = hb_blob_create(otf.data(), static_cast<unsigned>(otf.size()),
                                   HB_MEMORY_MODE_READONLY, nullptr, nullptr);
  hb_face_t* face = hb_face_create(blob, 0);
  hb_blob_t* cff = hb_face_reference_table(face, HB_TAG('C', 'F', 'F', ' '));
  unsigned len = 0;
  const char* data = hb_blob_get_data(cff, &len);
  std::string out(data ? data : "", data ? len : 0);
  hb_blob_destroy(cff);
  hb_face_destroy(face);
  hb_blob_destroy(blob);
  if (out.empty()) throw InfraError("the CFF subset has no CFF table");
  return out;
}

// Six capital letters naming the subset (PDF 32000 9.6.4), from its content: deterministic.
std::string subsetTag(const std::vector<CidGlyph>& glyphs, const std::string& name) {
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&](std::uint64_t v) {
    h ^= v;
    h *= 1099511628211ull;
  };
  for (char ch : name) mix(static_cast<unsigned char>(ch));
  for (const CidGlyph& g : glyphs) {
    for (char32_t c : g.text) mix(c);
  }
  std::string tag;
  for (int i = 0; i < 6; ++i) {
    tag.push_back(static_cast<char>('A' + h % 26));
    h /= 26;
  }
  return tag;
}

// UTF-16BE hex, as a ToUnicode destination string wants it.
void appendUtf16Hex(std::string& out, const std::u32string& text) {
  for (char32_t c : text) {
    if (c >= 0x10000) {
      appendHex4(out, 0xD800 + ((c - 0x10000) >> 10));
      appendHex4(out, 0xDC00 + ((c - 0x10000) & 0x3FF));
    } else {
      appendHex4(out, c);
    }
  }
}

// codes[i] is the character code of glyphs[i] (CID i + 1 when codes is empty).
std::string toUnicodeCMap(const std::vector<CidGlyph>& glyphs,
                          const std::vector<std::uint16_t>& codes = {}) {
  std::string m =
      "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
      "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
      "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
      "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n";
  // A shaped cluster's glyphs after its first map to no text (<>), so the cluster's text is
  // extracted once.
  std::vector<std::size_t> mapped;
  for (std::size_t i = 0; i < glyphs.size(); ++i) mapped.push_back(i);
  for (std::size_t from = 0; from < mapped.size(); from += 100) {
    std::size_t n = std::min<std::size_t>(100, mapped.size() - from);
    m += std::to_string(n) + " beginbfchar\n";
    for (std::size_t k = from; k < from + n; ++k) {
      const std::size_t i = mapped[k];
      m += '<';
      appendHex4(m, codes.empty() ? static_cast<std::uint32_t>(i + 1) : codes[i]);
      m += "> <";
      appendUtf16Hex(m, glyphs[i].text);
      m += ">\n";
    }
    m += "endbfchar\n";
  }
  m += "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n";
  return m;
}

// CID → glyph id in the embedded subset, two bytes big-endian per CID from CID 0 (.notdef).
std::string cidToGidMap(const std::vector<std::uint32_t>& subsetGlyphs) {
  std::string map(2 * (subsetGlyphs.size() + 1), '\0');
  for (std::size_t i = 0; i < subsetGlyphs.size(); ++i) {
    map[2 * (i + 1)] = static_cast<char>((subsetGlyphs[i] >> 8) & 0xFF);
    map[2 * (i + 1) + 1] = static_cast<char>(subsetGlyphs[i] & 0xFF);
  }
  return map;
}

HPDF_Dict descriptor(HPDF_Doc h, const FontMetrics& f, const std::string& base, HPDF_Dict file,
                     const char* fileKey = "FontFile2") {
  HPDF_Dict desc = indirectDict(h, kWhat);
  checkStatus(HPDF_Dict_AddName(desc, "Type", "FontDescriptor"), kWhat);
  checkStatus(HPDF_Dict_AddName(desc, "FontName", base.c_str()), kWhat);
  checkStatus(HPDF_Dict_AddNumber(desc, "Flags", 32), kWhat);
  checkStatus(
      HPDF_Dict_Add(desc, "FontBBox", numbers(h, {f.bbox[0], f.bbox[1], f.bbox[2], f.bbox[3]})),
      kWhat);
  checkStatus(HPDF_Dict_AddNumber(desc, "ItalicAngle", 0), kWhat);
  checkStatus(HPDF_Dict_AddNumber(desc, "Ascent", f.ascent), kWhat);
  checkStatus(HPDF_Dict_AddNumber(desc, "Descent", f.descent), kWhat);
  checkStatus(HPDF_Dict_AddNumber(desc, "CapHeight", f.capHeight), kWhat);
  checkStatus(HPDF_Dict_AddNumber(desc, "StemV", 80), kWhat);
  checkStatus(HPDF_Dict_Add(desc, fileKey, file), kWhat);
  return desc;
}

HPDF_Array widthArray(HPDF_Doc h, const std::vector<CidGlyph>& glyphs,
                      const std::vector<std::uint16_t>& codes = {}) {
  HPDF_Array widths = checked(HPDF_Array_New(h->mmgr), kWhat);
  if (!codes.empty()) {  // c [w] per glyph (sparse codes)
    for (std::size_t i = 0; i < glyphs.size(); ++i) {
      HPDF_Array one = checked(HPDF_Array_New(h->mmgr), kWhat);
      checkStatus(HPDF_Array_AddNumber(one, glyphs[i].width), kWhat);
      checkStatus(HPDF_Array_AddNumber(widths, codes[i]), kWhat);
      checkStatus(HPDF_Array_Add(widths, one), kWhat);
    }
    return widths;
  }
  HPDF_Array run = checked(HPDF_Array_New(h->mmgr), kWhat);
  for (const CidGlyph& g : glyphs) checkStatus(HPDF_Array_AddNumber(run, g.width), kWhat);
  checkStatus(HPDF_Array_AddNumber(widths, 1), kWhat);
  checkStatus(HPDF_Array_Add(widths, run), kWhat);
  return widths;
}

// cidToGid null: a CIDFontType0 (CFF) whose codes are its CIDs.
HPDF_Dict cidFontDict(HPDF_Doc h, const std::string& base, HPDF_Dict desc,
                      const std::vector<CidGlyph>& glyphs, HPDF_Dict cidToGid,
                      const std::vector<std::uint16_t>& codes = {}) {
  HPDF_Dict cid = indirectDict(h, kWhat);
  checkStatus(HPDF_Dict_AddName(cid, "Type", "Font"), kWhat);
  checkStatus(HPDF_Dict_AddName(cid, "Subtype", cidToGid ? "CIDFontType2" : "CIDFontType0"), kWhat);
  checkStatus(HPDF_Dict_AddName(cid, "BaseFont", base.c_str()), kWhat);
  HPDF_Dict info = checked(HPDF_Dict_New(h->mmgr), kWhat);
  checkStatus(HPDF_Dict_Add(info, "Registry", HPDF_String_New(h->mmgr, "Adobe", nullptr)), kWhat);
  checkStatus(HPDF_Dict_Add(info, "Ordering", HPDF_String_New(h->mmgr, "Identity", nullptr)),
              kWhat);
  checkStatus(HPDF_Dict_AddNumber(info, "Supplement", 0), kWhat);
  checkStatus(HPDF_Dict_Add(cid, "CIDSystemInfo", info), kWhat);
  checkStatus(HPDF_Dict_Add(cid, "FontDescriptor", desc), kWhat);
  checkStatus(HPDF_Dict_AddNumber(cid, "DW", 0), kWhat);
  checkStatus(HPDF_Dict_Add(cid, "W", widthArray(h, glyphs, codes)), kWhat);
  if (cidToGid) checkStatus(HPDF_Dict_Add(cid, "CIDToGIDMap", cidToGid), kWhat);
  return cid;
}

HPDF_Dict type0Dict(HPDF_Doc h, const std::string& base, HPDF_Dict cid, HPDF_Dict toUnicode) {
  HPDF_Dict font = indirectDict(h, kWhat);
  checkStatus(HPDF_Dict_AddName(font, "Type", "Font"), kWhat);
  checkStatus(HPDF_Dict_AddName(font, "Subtype", "Type0"), kWhat);
  checkStatus(HPDF_Dict_AddName(font, "BaseFont", base.c_str()), kWhat);
  checkStatus(HPDF_Dict_AddName(font, "Encoding", "Identity-H"), kWhat);
  HPDF_Array descendants = checked(HPDF_Array_New(h->mmgr), kWhat);
  checkStatus(HPDF_Array_Add(descendants, cid), kWhat);
  checkStatus(HPDF_Dict_Add(font, "DescendantFonts", descendants), kWhat);
  checkStatus(HPDF_Dict_Add(font, "ToUnicode", toUnicode), kWhat);
  return font;
}

}  // namespace

CidFont embedFont(HPDF_Doc h, const FontFace& face, const std::vector<char32_t>& codes) {
  std::vector<CidGlyph> glyphs;
  std::vector<std::uint32_t> glyphIds;
  CidFont out;
  out.cidOf.assign(0x10000, 0);
  for (std::size_t i = 0; i < codes.size(); ++i) {
    glyphs.push_back({face.glyph(codes[i]), face.width(codes[i]), std::u32string(1, codes[i])});
    glyphIds.push_back(glyphs.back().glyph);
    if (codes[i] < out.cidOf.size()) out.cidOf[codes[i]] = static_cast<std::uint16_t>(i + 1);
  }
  const SubsetFont subset = face.subset(glyphIds);
  const FontMetrics& m = face.metrics();
  const std::string base = subsetTag(glyphs, m.postScriptName) + "+" + m.postScriptName;

  HPDF_Dict file = flateStream(h, subset.ttf, kWhat);
  checkStatus(HPDF_Dict_AddNumber(file, "Length1", static_cast<HPDF_INT32>(subset.ttf.size())),
              kWhat);
  HPDF_Dict desc = descriptor(h, m, base, file);
  HPDF_Dict cid =
      cidFontDict(h, base, desc, glyphs, flateStream(h, cidToGidMap(subset.glyphs), kWhat));
  out.dict = type0Dict(h, base, cid, flateStream(h, toUnicodeCMap(glyphs), kWhat));
  return out;
}

ScriptFont embedScriptFont(HPDF_Doc h, const FontFace& face, const std::vector<CidGlyph>& glyphs) {
  std::vector<std::uint32_t> glyphIds;
  glyphIds.reserve(glyphs.size());
  for (const CidGlyph& g : glyphs) glyphIds.push_back(g.glyph);
  const SubsetFont subset = face.subset(glyphIds);  // (a glyph listed twice is kept once)
  const FontMetrics& m = face.metrics();
  const std::string base = subsetTag(glyphs, m.postScriptName) + "+" + m.postScriptName;
  ScriptFont out;
  if (face.isCff()) {
    HPDF_Dict file = flateStream(h, cffTable(subset.ttf), kWhat);
    // CIDFontType0 with the subset's CFF table as FontFile3 /CIDFontType0C: a code is the
    // glyph's CID, which in Noto Sans CJK (ROS Adobe-Identity-0) is its glyph id in the full
    // face; hb-subset keeps each glyph's CID in the subset's charset, through which readers
    // (poppler, mupdf) find the glyph.
    std::vector<std::uint16_t> codes;
    for (const CidGlyph& g : glyphs) codes.push_back(static_cast<std::uint16_t>(g.glyph));
    out.cff = true;
    checkStatus(HPDF_Dict_AddName(file, "Subtype", "CIDFontType0C"), kWhat);
    HPDF_Dict desc = descriptor(h, m, base, file, "FontFile3");
    HPDF_Dict cid = cidFontDict(h, base, desc, glyphs, nullptr, codes);
    out.dict = type0Dict(h, base, cid, flateStream(h, toUnicodeCMap(glyphs, codes), kWhat));
    return out;
  }
  HPDF_Dict file = flateStream(h, subset.ttf, kWhat);
  checkStatus(HPDF_Dict_AddNumber(file, "Length1", static_cast<HPDF_INT32>(subset.ttf.size())),
              kWhat);
  for (std::size_t i = 0; i < glyphs.size(); ++i)
    out.codeOf.emplace(
        GlyphKey(glyphs[i].glyph, glyphs[i].text, glyphs[i].carrier ? glyphs[i].width : -1),
        static_cast<std::uint16_t>(i + 1));
  HPDF_Dict desc = descriptor(h, m, base, file);
  HPDF_Dict cid =
      cidFontDict(h, base, desc, glyphs, flateStream(h, cidToGidMap(subset.glyphs), kWhat));
  out.dict = type0Dict(h, base, cid, flateStream(h, toUnicodeCMap(glyphs), kWhat));
  return out;
}

}  // namespace sendflow::engine::pdf
