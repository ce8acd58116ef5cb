// TrueType reduction for the PDF renderer: keeps the glyphs of the supported code points (and
// the components of composite glyphs), renumbers them, and writes a complete, valid TrueType
// file with the tables libharu reads and embeds. Tables that index glyphs and that libharu does
// not use (GSUB, GPOS, GDEF, kern, hdmx, LTSH, VDMX, …) are dropped.
#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <map>
#include <set>

#include "sendflow/engine/core/error.h"
#include "sendflow/engine/documents/pdf/pdf.h"

namespace sendflow::engine {

namespace {

struct Range {
  char32_t first, last;
};

// Scripts drawn without shaping or bidi, plus the punctuation and symbols plans use.
constexpr std::array kRenderable{
    Range{0x0020, 0x007E}, Range{0x00A0, 0x036F},  // Latin-1 … Ext-B, IPA, modifiers, combining
    Range{0x0370, 0x03FF}, Range{0x0400, 0x052F},  // Greek, Cyrillic (+ supplement)
    Range{0x1E00, 0x1EFF}, Range{0x1F00, 0x1FFF},  // Latin Ext Additional (Vietnamese), Greek Ext
    Range{0x2010, 0x2027}, Range{0x2030, 0x205E},  // punctuation (no invisible format chars)
    Range{0x2070, 0x209F}, Range{0x20A0, 0x20CF},  // super/subscripts, currency
    Range{0x2100, 0x218F}, Range{0x2190, 0x21FF},  // letterlike, number forms, arrows
    Range{0x2200, 0x22FF}, Range{0x2500, 0x257F},  // maths, box drawing
    Range{0x25A0, 0x25FF}, Range{0x2610, 0x2612},  // geometric shapes, ballot boxes
    Range{0x2713, 0x2714}, Range{0x2717, 0x2718},  // check and cross marks
    Range{0x2C60, 0x2C7F}, Range{0xA720, 0xA7FF},  // Latin Ext C, D
    Range{0xFB00, 0xFB06},                         // Latin ligatures
};

constexpr const char* kKeptTables[] = {"OS/2", "cmap", "cvt ", "fpgm", "gasp", "glyf", "head",
                                       "hhea", "hmtx", "loca", "maxp", "name", "post", "prep"};

[[noreturn]] void bad(const char* what) {
  throw InfraError(std::string("TrueType font not usable: ") + what);
}

class Reader {
 public:
  explicit Reader(std::string_view data) : d_(data) {}
  std::uint8_t u8(std::size_t at) const {
    if (at >= d_.size()) bad("truncated");
    return static_cast<std::uint8_t>(d_[at]);
  }
  std::uint16_t u16(std::size_t at) const {
    return static_cast<std::uint16_t>((u8(at) << 8) | u8(at + 1));
  }
  std::int16_t s16(std::size_t at) const { return static_cast<std::int16_t>(u16(at)); }
  std::uint32_t u32(std::size_t at) const {
    return (static_cast<std::uint32_t>(u16(at)) << 16) | u16(at + 2);
  }
  std::string_view slice(std::size_t at, std::size_t n) const {
    if (at > d_.size() || n > d_.size() - at) bad("table out of bounds");
    return d_.substr(at, n);
  }

 private:
  std::string_view d_;
};

class Writer {
 public:
  void u16(std::uint32_t v) {
    s_.push_back(static_cast<char>((v >> 8) & 0xFF));
    s_.push_back(static_cast<char>(v & 0xFF));
  }
  void u32(std::uint32_t v) {
    u16(v >> 16);
    u16(v & 0xFFFF);
  }
  void bytes(std::string_view b) { s_.append(b); }
  void pad4() {
    while (s_.size() % 4) s_.push_back('\0');
  }
  std::string& str() { return s_; }

 private:
  std::string s_;
};

void put16(std::string& s, std::size_t at, std::uint32_t v) {
  s[at] = static_cast<char>((v >> 8) & 0xFF);
  s[at + 1] = static_cast<char>(v & 0xFF);
}
void put32(std::string& s, std::size_t at, std::uint32_t v) {
  put16(s, at, v >> 16);
  put16(s, at + 2, v & 0xFFFF);
}

std::uint32_t checksum(std::string_view t) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < t.size(); i += 4) {
    std::uint32_t word = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      word = (word << 8) | (i + k < t.size() ? static_cast<std::uint8_t>(t[i + k]) : 0u);
    }
    sum += word;
  }
  return sum;
}

struct Font {
  std::map<std::string, std::string_view> tables;
  std::string_view table(const char* tag) const {
    auto it = tables.find(tag);
    if (it == tables.end()) bad(tag);
    return it->second;
  }
};

Font parseDirectory(std::string_view ttf) {
  Reader r(ttf);
  std::uint32_t version = r.u32(0);
  if (version != 0x00010000 && version != 0x74727565) bad("not a TrueType outline font");
  Font f;
  std::uint16_t n = r.u16(4);
  for (std::uint16_t i = 0; i < n; ++i) {
    std::size_t rec = 12 + 16u * i;
    std::string tag(r.slice(rec, 4));
    f.tables[tag] = r.slice(r.u32(rec + 8), r.u32(rec + 12));
  }
  return f;
}

// Unicode (BMP) → glyph id from the best Unicode cmap subtable (3/10 format 12 or 3/1 or 0/x
// format 4).
std::map<char32_t, std::uint16_t> readCmap(std::string_view cmap) {
  Reader r(cmap);
  std::uint16_t n = r.u16(2);
  std::size_t fmt4 = 0, fmt12 = 0;
  for (std::uint16_t i = 0; i < n; ++i) {
    std::uint16_t platform = r.u16(4 + 8u * i), encoding = r.u16(6 + 8u * i);
    std::uint32_t off = r.u32(8 + 8u * i);
    std::uint16_t format = r.u16(off);
    bool unicode = platform == 0 || (platform == 3 && (encoding == 1 || encoding == 10));
    if (!unicode) continue;
    if (format == 4 && !fmt4) fmt4 = off;
    if (format == 12 && !fmt12) fmt12 = off;
  }
  std::map<char32_t, std::uint16_t> map;
  if (fmt12) {
    std::uint32_t groups = r.u32(fmt12 + 12);
    for (std::uint32_t g = 0; g < groups; ++g) {
      std::size_t at = fmt12 + 16 + 12u * g;
      std::uint32_t start = r.u32(at), end = r.u32(at + 4), gid = r.u32(at + 8);
      for (std::uint32_t c = start; c <= end && c <= 0xFFFF; ++c) {
        map[c] = static_cast<std::uint16_t>(gid + (c - start));
      }
    }
    return map;
  }
  if (!fmt4) bad("no Unicode cmap");
  std::size_t segX2 = r.u16(fmt4 + 6);
  std::size_t ends = fmt4 + 14, starts = ends + segX2 + 2, deltas = starts + segX2,
              rangeOffsets = deltas + segX2;
  for (std::size_t s = 0; s < segX2; s += 2) {
    std::uint32_t end = r.u16(ends + s), start = r.u16(starts + s);
    std::uint16_t delta = r.u16(deltas + s), rangeOffset = r.u16(rangeOffsets + s);
    for (std::uint32_t c = start; c <= end && c != 0xFFFF; ++c) {
      std::uint32_t gid = 0;
      if (rangeOffset == 0) {
        gid = (c + delta) & 0xFFFF;
      } else {
        std::size_t at = rangeOffsets + s + rangeOffset + 2 * (c - start);
        gid = r.u16(at);
        if (gid) gid = (gid + delta) & 0xFFFF;
      }
      if (gid) map[c] = static_cast<std::uint16_t>(gid);
    }
  }
  return map;
}

// Glyph ids used by a composite glyph (empty for a simple glyph).
std::vector<std::pair<std::size_t, std::uint16_t>> components(std::string_view glyph) {
  std::vector<std::pair<std::size_t, std::uint16_t>> out;  // (offset of index, index)
  if (glyph.size() < 10) return out;
  Reader r(glyph);
  if (r.s16(0) >= 0) return out;
  std::size_t at = 10;
  for (;;) {
    std::uint16_t flags = r.u16(at);
    out.emplace_back(at + 2, r.u16(at + 2));
    at += 4;
    at += (flags & 0x0001) ? 4 : 2;
    if (flags & 0x0008)
      at += 2;
    else if (flags & 0x0040)
      at += 4;
    else if (flags & 0x0080)
      at += 8;
    if (!(flags & 0x0020)) break;
  }
  return out;
}

// A format 4 cmap with few segments: libharu looks glyphs up with a linear scan over the
// segments, 4 × 65,536 times per font and document, so nearby code points share one segment
// whose glyph array holds 0 for the gaps.
std::string buildCmap(const std::map<char32_t, std::uint16_t>& map) {
  struct Seg {
    std::uint32_t start, end;
  };
  constexpr std::uint32_t kMaxGap = 256;
  std::vector<Seg> segs;
  for (auto [c, g] : map) {
    (void)g;
    if (!segs.empty() && c - segs.back().end <= kMaxGap) {
      segs.back().end = c;
    } else {
      segs.push_back({c, c});
    }
  }
  segs.push_back({0xFFFF, 0xFFFF});
  auto segCount = static_cast<std::uint32_t>(segs.size());
  std::uint32_t searchRange = 1, entrySelector = 0;
  while (searchRange * 2 <= segCount) {
    searchRange *= 2;
    ++entrySelector;
  }
  searchRange *= 2;
  Writer sub;
  sub.u16(4);
  sub.u16(0);  // length, patched below
  sub.u16(0);
  sub.u16(segCount * 2);
  sub.u16(searchRange);
  sub.u16(entrySelector);
  sub.u16(segCount * 2 - searchRange);
  for (auto& sg : segs) sub.u16(sg.end);
  sub.u16(0);
  for (auto& sg : segs) sub.u16(sg.start);
  for (std::size_t i = 0; i < segs.size(); ++i) sub.u16(i + 1 == segs.size() ? 1 : 0);  // idDelta
  std::uint32_t arrayIndex = 0;
  for (std::uint32_t i = 0; i < segCount; ++i) {
    if (i + 1 == segCount) {
      sub.u16(0);  // the final 0xFFFF segment maps through idDelta
      break;
    }
    sub.u16(2 * (segCount - i) + 2 * arrayIndex);
    arrayIndex += segs[i].end - segs[i].start + 1;
  }
  for (std::uint32_t i = 0; i + 1 < segCount; ++i) {
    for (std::uint32_t c = segs[i].start; c <= segs[i].end; ++c) {
      auto it = map.find(c);
      sub.u16(it == map.end() ? 0 : it->second);
    }
  }
  if (sub.str().size() > 0xFFFF) bad("cmap too large");
  put16(sub.str(), 2, static_cast<std::uint32_t>(sub.str().size()));
  Writer t;
  t.u16(0);
  t.u16(2);
  t.u16(0);  // Unicode BMP
  t.u16(3);
  t.u32(20);
  t.u16(3);  // Windows Unicode BMP
  t.u16(1);
  t.u32(20);
  t.bytes(sub.str());
  return t.str();
}

std::string assemble(std::map<std::string, std::string>& tables) {
  auto n = static_cast<std::uint32_t>(tables.size());
  std::uint32_t searchRange = 1, entrySelector = 0;
  while (searchRange * 2 <= n) {
    searchRange *= 2;
    ++entrySelector;
  }
  searchRange *= 16;
  Writer w;
  w.u32(0x00010000);
  w.u16(n);
  w.u16(searchRange);
  w.u16(entrySelector);
  w.u16(n * 16 - searchRange);
  std::size_t offset = 12 + 16u * n;
  std::size_t headOffset = 0;
  for (auto& [tag, data] : tables) {  // std::map: sorted by tag, as the format requires
    w.bytes(tag);
    w.u32(checksum(data));
    w.u32(static_cast<std::uint32_t>(offset));
    w.u32(static_cast<std::uint32_t>(data.size()));
    if (tag == "head") headOffset = offset;
    offset += (data.size() + 3) & ~std::size_t{3};
  }
  for (auto& [tag, data] : tables) {
    w.bytes(data);
    w.pad4();
  }
  std::string out = std::move(w.str());
  put32(out, headOffset + 8, 0xB1B0AFBAu - checksum(out));
  return out;
}

}  // namespace

bool isRenderableCodePoint(char32_t cp) {
  for (const Range& r : kRenderable) {
    if (cp >= r.first && cp <= r.last) return true;
  }
  return false;
}

namespace {

struct Metrics {
  std::uint16_t unitsPerEm, numGlyphs, numHMetrics;
  bool longLoca;
};

Metrics metricsOf(const Font& f) {
  Reader head(f.table("head")), maxp(f.table("maxp")), hhea(f.table("hhea"));
  Metrics m{head.u16(18), maxp.u16(4), hhea.u16(34), head.s16(50) == 1};
  if (m.unitsPerEm == 0 || m.numGlyphs == 0 || m.numHMetrics == 0) bad("bad header");
  return m;
}

// Writes a font holding the glyphs of `cmap` (code point → glyph id in f) and their composite
// components; `newCmap` receives code point → glyph id in the result.
std::string buildSubset(const Font& f, const std::map<char32_t, std::uint16_t>& cmap,
                        std::map<char32_t, std::uint16_t>& newCmap) {
  const Metrics m = metricsOf(f);
  Reader hmtx(f.table("hmtx")), loca(f.table("loca"));
  std::string_view glyf = f.table("glyf");
  auto advance = [&](std::uint16_t gid) {
    return hmtx.u16(4u *
                    std::min<std::uint16_t>(gid, static_cast<std::uint16_t>(m.numHMetrics - 1)));
  };
  auto lsb = [&](std::uint16_t gid) -> std::uint16_t {
    if (gid < m.numHMetrics) return hmtx.u16(4u * gid + 2);
    return hmtx.u16(4u * m.numHMetrics + 2u * (gid - m.numHMetrics));
  };
  auto glyph = [&](std::uint16_t gid) {
    std::size_t a = m.longLoca ? loca.u32(4u * gid) : 2u * loca.u16(2u * gid);
    std::size_t b = m.longLoca ? loca.u32(4u * gid + 4) : 2u * loca.u16(2u * gid + 2);
    if (b < a || b > glyf.size()) bad("bad loca");
    return glyf.substr(a, b - a);
  };

  // Glyph closure: .notdef, mapped glyphs, composite components (transitively).
  std::set<std::uint16_t> keep{0};
  std::vector<std::uint16_t> todo;
  for (auto [c, g] : cmap) {
    if (g >= m.numGlyphs) bad("bad cmap glyph");
    if (keep.insert(g).second) todo.push_back(g);
  }
  while (!todo.empty()) {
    std::uint16_t g = todo.back();
    todo.pop_back();
    for (auto [at, component] : components(glyph(g))) {
      (void)at;
      if (component >= m.numGlyphs) bad("bad composite glyph");
      if (keep.insert(component).second) todo.push_back(component);
    }
  }
  std::vector<std::uint16_t> oldIds(keep.begin(), keep.end());
  std::vector<std::uint16_t> newId(m.numGlyphs, 0);
  for (std::size_t i = 0; i < oldIds.size(); ++i) newId[oldIds[i]] = static_cast<std::uint16_t>(i);
  auto count = static_cast<std::uint32_t>(oldIds.size());

  std::map<std::string, std::string> tables;
  Writer glyfOut, locaOut, hmtxOut;
  for (std::uint16_t old : oldIds) {
    locaOut.u32(static_cast<std::uint32_t>(glyfOut.str().size()));
    std::string g(glyph(old));
    for (auto [at, component] : components(g)) put16(g, at, newId[component]);
    glyfOut.bytes(g);
    glyfOut.pad4();
    hmtxOut.u16(advance(old));
    hmtxOut.u16(lsb(old));
  }
  locaOut.u32(static_cast<std::uint32_t>(glyfOut.str().size()));

  newCmap.clear();
  for (auto [c, g] : cmap) newCmap[c] = newId[g];

  for (const char* tag : kKeptTables) {
    auto it = f.tables.find(tag);
    if (it != f.tables.end()) tables[tag] = std::string(it->second);
  }
  tables["glyf"] = std::move(glyfOut.str());
  tables["loca"] = std::move(locaOut.str());
  tables["hmtx"] = std::move(hmtxOut.str());
  tables["cmap"] = buildCmap(newCmap);
  put16(tables["head"], 50, 1);  // long loca
  put32(tables["head"], 8, 0);   // checkSumAdjustment, recomputed by assemble()
  put16(tables["maxp"], 4, count);
  put16(tables["hhea"], 34, count);
  if (tables["post"].size() < 32) bad("post");
  tables["post"].resize(32);  // format 3: no glyph names
  put32(tables["post"], 0, 0x00030000);
  return assemble(tables);
}

// The glyph without its TrueType hinting instructions: viewers scale outlines themselves, and
// the instructions are a third of DejaVu's glyph data (bytes to deflate for every document).
std::string withoutInstructions(std::string_view glyph) {
  if (glyph.size() < 10) return std::string(glyph);
  Reader r(glyph);
  const std::int16_t contours = r.s16(0);
  if (contours >= 0) {
    const std::size_t lenAt = 10 + 2u * static_cast<std::size_t>(contours);
    const std::size_t n = r.u16(lenAt);
    if (lenAt + 2 + n > glyph.size()) bad("bad glyph");
    std::string out(glyph.substr(0, lenAt));
    out += '\0';
    out += '\0';
    out += glyph.substr(lenAt + 2 + n);
    return out;
  }
  std::string out(glyph);
  std::size_t at = 10;
  for (;;) {
    std::uint16_t flags = r.u16(at);
    put16(out, at, flags & ~0x0100u);  // WE_HAVE_INSTRUCTIONS
    at += 4;
    at += (flags & 0x0001) ? 4 : 2;
    if (flags & 0x0008)
      at += 2;
    else if (flags & 0x0040)
      at += 4;
    else if (flags & 0x0080)
      at += 8;
    if (!(flags & 0x0020)) break;
  }
  if (at > out.size()) bad("bad composite glyph");
  out.resize(at);
  return out;
}

// Writes a font whose glyph i is old glyph order[i] (order[0] must be 0, .notdef; duplicates
// allowed, so two code points drawn alike still get their own glyph id and extract exactly),
// followed by the components of composite glyphs that are not in `order` yet. The cmap maps
// codes[i] → i + 1.
std::string buildOrderedSubset(const Font& f, std::vector<std::uint16_t> order,
                               const std::vector<char32_t>& codes) {
  const Metrics m = metricsOf(f);
  Reader hmtx(f.table("hmtx")), loca(f.table("loca"));
  std::string_view glyf = f.table("glyf");
  auto advance = [&](std::uint16_t gid) {
    return hmtx.u16(4u *
                    std::min<std::uint16_t>(gid, static_cast<std::uint16_t>(m.numHMetrics - 1)));
  };
  auto lsb = [&](std::uint16_t gid) -> std::uint16_t {
    if (gid < m.numHMetrics) return hmtx.u16(4u * gid + 2);
    return hmtx.u16(4u * m.numHMetrics + 2u * (gid - m.numHMetrics));
  };
  auto glyph = [&](std::uint16_t gid) {
    std::size_t a = m.longLoca ? loca.u32(4u * gid) : 2u * loca.u16(2u * gid);
    std::size_t b = m.longLoca ? loca.u32(4u * gid + 4) : 2u * loca.u16(2u * gid + 2);
    if (b < a || b > glyf.size()) bad("bad loca");
    return glyf.substr(a, b - a);
  };
  std::map<std::uint16_t, std::uint16_t> firstIndex;
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (order[i] >= m.numGlyphs) bad("bad glyph");
    firstIndex.emplace(order[i], static_cast<std::uint16_t>(i));
  }
  for (std::size_t i = 0; i < order.size(); ++i) {  // grows while composites add components
    for (auto [at, component] : components(glyph(order[i]))) {
      (void)at;
      if (component >= m.numGlyphs) bad("bad composite glyph");
      if (firstIndex.emplace(component, static_cast<std::uint16_t>(order.size())).second)
        order.push_back(component);
    }
    if (order.size() > 0xFFFF) bad("too many glyphs");
  }
  Writer glyfOut, locaOut, hmtxOut;
  for (std::uint16_t old : order) {
    locaOut.u32(static_cast<std::uint32_t>(glyfOut.str().size()));
    std::string g = withoutInstructions(glyph(old));
    for (auto [at, component] : components(g)) put16(g, at, firstIndex[component]);
    glyfOut.bytes(g);
    glyfOut.pad4();
    hmtxOut.u16(advance(old));
    hmtxOut.u16(lsb(old));
  }
  locaOut.u32(static_cast<std::uint32_t>(glyfOut.str().size()));
  std::map<char32_t, std::uint16_t> cmap;
  for (std::size_t i = 0; i < codes.size(); ++i)
    cmap.emplace(codes[i], static_cast<std::uint16_t>(i + 1));
  std::map<std::string, std::string> tables;
  // A CID-keyed embedding needs only the outline tables; no hinting programs (see above).
  for (const char* tag : {"head", "hhea", "maxp"}) {
    auto it = f.tables.find(tag);
    if (it != f.tables.end()) tables[tag] = std::string(it->second);
  }
  const auto count = static_cast<std::uint32_t>(order.size());
  tables["glyf"] = std::move(glyfOut.str());
  tables["loca"] = std::move(locaOut.str());
  tables["hmtx"] = std::move(hmtxOut.str());
  tables["cmap"] = buildCmap(cmap);
  put16(tables["head"], 50, 1);  // long loca
  put32(tables["head"], 8, 0);   // checkSumAdjustment, recomputed by assemble()
  put16(tables["maxp"], 4, count);
  put16(tables["hhea"], 34, count);
  return assemble(tables);
}

// The PostScript name (name id 6, Windows or Mac record), letters and digits only.
std::string postScriptName(const Font& f) {
  auto it = f.tables.find("name");
  std::string out;
  if (it != f.tables.end()) {
    Reader r(it->second);
    std::uint16_t count = r.u16(2), strings = r.u16(4);
    for (std::uint16_t i = 0; i < count && out.empty(); ++i) {
      std::size_t rec = 6 + 12u * i;
      if (r.u16(rec + 6) != 6) continue;
      std::uint16_t platform = r.u16(rec), len = r.u16(rec + 8), off = r.u16(rec + 10);
      std::string_view raw = r.slice(std::size_t{strings} + off, len);
      bool wide = platform == 0 || platform == 3;
      for (std::size_t k = wide ? 1 : 0; k < raw.size(); k += wide ? 2 : 1) {
        char ch = raw[k];
        if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '-') out.push_back(ch);
      }
    }
  }
  return out.empty() ? "Font" : out;
}

}  // namespace

PreparedFont prepareFont(std::string_view ttf, bool subset) {
  Font f = parseDirectory(ttf);
  const Metrics m = metricsOf(f);
  Reader hmtx(f.table("hmtx"));
  std::map<char32_t, std::uint16_t> cmap;
  for (auto [c, g] : readCmap(f.table("cmap"))) {
    if (isRenderableCodePoint(c) && g < m.numGlyphs) cmap[c] = g;
  }
  PreparedFont out;
  {
    Reader head(f.table("head")), hhea(f.table("hhea"));
    auto scale = [&](int v) { return v * 1000 / m.unitsPerEm; };
    out.bbox = {scale(head.s16(36)), scale(head.s16(38)), scale(head.s16(40)), scale(head.s16(42))};
    out.ascent = scale(hhea.s16(4));
    out.descent = scale(hhea.s16(6));
    out.capHeight = out.ascent;
    auto os2 = f.tables.find("OS/2");
    if (os2 != f.tables.end() && os2->second.size() >= 90) {
      Reader o(os2->second);
      if (o.u16(0) >= 2) out.capHeight = scale(o.s16(88));
    }
    out.postScriptName = postScriptName(f);
  }
  out.widths.assign(0x10000, -1);
  out.glyphs.assign(0x10000, 0);
  for (auto [c, g] : cmap) {
    auto adv =
        hmtx.u16(4u * std::min<std::uint16_t>(g, static_cast<std::uint16_t>(m.numHMetrics - 1)));
    // libharu: advance * 1000 / unitsPerEm, truncated.
    out.widths[c] = static_cast<std::int16_t>(std::uint32_t{adv} * 1000u / m.unitsPerEm);
  }
  if (!subset) {
    out.ttf = std::string(ttf);
    out.glyphCount = m.numGlyphs;
    for (auto [c, g] : cmap) out.glyphs[c] = g;
    return out;
  }
  std::map<char32_t, std::uint16_t> reduced;
  out.ttf = buildSubset(f, cmap, reduced);
  for (auto [c, g] : reduced) out.glyphs[c] = g;
  out.glyphCount = metricsOf(parseDirectory(out.ttf)).numGlyphs;
  return out;
}

std::string PreparedFont::orderedSubset(const std::vector<char32_t>& codePoints) const {
  std::vector<std::uint16_t> order{0};
  for (char32_t c : codePoints) order.push_back(covers(c) ? glyphs[c] : 0);
  return buildOrderedSubset(parseDirectory(ttf), std::move(order), codePoints);
}

std::string PreparedFont::subset(const std::vector<char32_t>& codePoints) const {
  Font f = parseDirectory(ttf);
  std::map<char32_t, std::uint16_t> cmap, unused;
  for (char32_t c : codePoints) {
    if (covers(c)) cmap[c] = glyphs[c];
  }
  return buildSubset(f, cmap, unused);
}

}  // namespace sendflow::engine
