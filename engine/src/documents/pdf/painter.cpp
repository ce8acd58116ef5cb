#include "painter.h"

#include <algorithm>

namespace sendflow::engine::pdf {
namespace {

std::string formatDate(const std::optional<Date>& d) { return d ? ukDate(*d) : std::string(); }

std::string shortHash(const std::string& hash) {
  return hash.substr(0, std::min<std::size_t>(12, hash.size()));
}

}  // namespace

void Painter::runningHeader() {
  const Style s{false, 7.5f, kFaint};
  l_.text(kLeft, kPageH - 30, runningLeft_, s);
  l_.text(kRight - l_.width(runningRight_, s), kPageH - 30, runningRight_, s);
  l_.rule(kLeft, kPageH - 36, kRight, kPageH - 36, kRule);
}

void Painter::firstPageHeader() {
  const PdfHeader& h = d_.header;
  float top = l_.y();
  float textW = kWidth;
  if (!h.logoPng.empty()) {
    if (l_.image(h.logoPng, kRight - 130, top, 130, 48)) {
      textW = kWidth - 140;
    } else {
      const Style note{false, 7.5f, kFaint};
      std::string msg = "[logo could not be shown]";
      l_.text(kRight - l_.width(msg, note), top - 8, msg, note);
    }
  }
  const Style academy{true, 10.5f, kPrimary};
  for (auto& line : l_.wrap(c(h.academyName, "header.academyName"), academy, textW)) {
    l_.text(kLeft, l_.y() - 11, line, academy);
    l_.down(14);
  }
  l_.down(6);
  const Style title{true, 19, kInk};
  for (auto& line : l_.wrap(c(h.title, "header.title"), title, textW)) {
    l_.text(kLeft, l_.y() - 19, line, title);
    l_.down(24);
  }
  l_.down(std::max(0.0f, l_.y() - (top - 56)));  // clear the logo
  l_.down(4);
  summaryBox();
}

// Two columns of label-over-value cards on a shaded box.
void Painter::summaryBox() {
  const PdfHeader& h = d_.header;
  struct Card {
    std::string label, value;
  };
  std::vector<Card> cards{
      {"Pupil", c(h.pupilName, "header.pupilName")},
      {"Date of birth", formatDate(h.dateOfBirth)},
      {"Year group", c(h.yearGroup, "header.yearGroup")},
      {"Plan status", c(h.planState, "header.planState")},
      {"Version", std::to_string(h.version) + " (" + ukDate(dateOf(h.versionDate)) + ")"},
      {"Next review date", formatDate(d_.reviewDate)},
  };
  const Style cardLabel{false, 7.5f, kMuted};
  const Style cardValue{true, 10.5f, kInk};
  const float colW = (kWidth - 24) / 2;
  auto valueLines = [&](const Card& card) {
    return l_.wrap(card.value.empty() ? std::string("—") : card.value, cardValue, colW - 8);
  };
  float boxH = 10;
  for (std::size_t i = 0; i < cards.size(); i += 2) {
    std::size_t n = 1;
    for (std::size_t k = i; k < std::min(i + 2, cards.size()); ++k)
      n = std::max(n, valueLines(cards[k]).size());
    boxH += 12 + static_cast<float>(n) * 13 + 8;
  }
  float boxTop = l_.y();
  l_.fill(kLeft, boxTop - boxH, kWidth, boxH, kShade);
  l_.fill(kLeft, boxTop - boxH, 3, boxH, kPrimary);
  float y = boxTop - 10;
  for (std::size_t i = 0; i < cards.size(); i += 2) {
    std::size_t n = 1;
    for (std::size_t k = i; k < std::min(i + 2, cards.size()); ++k) {
      float x = kLeft + 14 + static_cast<float>(k - i) * (colW + 6);
      l_.text(x, y - 8, cards[k].label, cardLabel);
      bool empty = cards[k].value.empty();
      auto lines = valueLines(cards[k]);
      float by = y - 12 - 10.5f;
      for (auto& line : lines) {
        l_.text(x, by, line, empty ? Style{false, 10.5f, kFaint} : cardValue);
        by -= 13;
      }
      n = std::max(n, lines.size());
    }
    y -= 12 + static_cast<float>(n) * 13 + 8;
  }
  l_.down(boxH + 8);
}

void Painter::heading(const std::string& title, float keepWith) {
  const Style s{true, 13, kPrimary};
  auto lines = l_.wrap(title, s, kWidth);
  float h = 14 + static_cast<float>(lines.size()) * 17 + 8;
  l_.need(h + keepWith);
  if (l_.y() < kTop) l_.down(14);
  for (auto& line : lines) {
    l_.text(kLeft, l_.y() - 13, line, s);
    l_.down(17);
  }
  l_.rule(kLeft, l_.y() - 1, kRight, l_.y() - 1, kPrimary, 0.8f);
  l_.down(8);
}

void Painter::help(const std::string& text, float x, float w) {
  if (text.empty()) return;
  for (auto& line : l_.wrap(text, kHelp, w)) {
    l_.need(11);
    l_.text(x, l_.y() - 8.5f, line, kHelp);
    l_.down(11);
  }
  l_.down(2);
}

void Painter::signatures() {
  if (d_.signatures.empty()) return;
  constexpr float kBlockH = 92;
  const Style note{false, 9.5f, kMuted};
  std::vector<TextLine> noteLines;
  if (!d_.signaturesNote.empty())
    noteLines = l_.wrap(c(d_.signaturesNote, "signatures"), note, kWidth);
  heading("Signatures", static_cast<float>(noteLines.size()) * 13 + kBlockH + 6);
  for (auto& line : noteLines) {
    l_.need(13);
    l_.text(kLeft, l_.y() - 10, line, note);
    l_.down(13);
  }
  if (!noteLines.empty()) l_.down(6);
  for (std::size_t i = 0; i < d_.signatures.size(); ++i) {
    signatureBlock(d_.signatures[i], "signature." + std::to_string(i));
  }
}

// One signer's box: name, date and method on the left, the drawn signature (or a note, or a line
// to sign on) on the right.
void Painter::signatureBlock(const PdfSignature& s, const std::string& field) {
  constexpr float kBlockH = 92;
  const Style role{true, 10, kPrimary}, label{false, 8, kMuted}, value{false, 9.5f, kInk};
  l_.need(kBlockH + 6);
  float top = l_.y();
  l_.rect(kLeft, top - kBlockH, kWidth, kBlockH, kRule, 0.6f);
  l_.text(kLeft + 10, top - 16, c(s.role, field), role);
  const float leftW = kWidth * 0.5f;
  float rowY = top - 36;
  auto field3 = [&](const char* name, const std::optional<std::string>& v) {
    l_.text(kLeft + 10, rowY, name, label);
    if (v && !v->empty()) {
      auto lines = l_.wrap(c(*v, field), value, leftW - 70);
      l_.text(kLeft + 62, rowY,
              lines.empty() ? "" : lines.front().text + (lines.size() > 1 ? " …" : ""), value,
              leftW - 70);
    } else {
      l_.rule(kLeft + 62, rowY - 2, kLeft + leftW - 10, rowY - 2, kMuted, 0.5f);
    }
    rowY -= 18;
  };
  bool signedSlot = s.signedAt.has_value();
  field3("Name", s.name);
  const bool named = s.name && !s.name->empty();
  field3("Date", signedSlot ? std::optional<std::string>(ukDateTime(*s.signedAt))
                 : named    ? std::optional<std::string>("Not signed yet")
                            : std::nullopt);
  field3("Method", signedSlot ? s.method : std::nullopt);
  float sx = kLeft + leftW + 10, sw = kWidth - leftW - 20;
  l_.text(sx, top - 36, "Signature", label);
  bool drawn = signedSlot && l_.image(s.drawnPng, sx, top - 42, sw, kBlockH - 50);
  if (signedSlot && !drawn) {
    std::string note =
        s.drawnPng.empty() ? "Signed electronically" : "Signed (drawn image could not be shown)";
    if (s.name && !s.name->empty()) note += " by " + c(*s.name, field);
    for (auto& line : l_.wrap(note, Style{false, 9.5f, kInk}, sw)) {
      l_.text(sx, rowY + 18, line, Style{false, 9.5f, kInk});
      rowY -= 12;
    }
  } else if (!signedSlot) {
    l_.rule(sx, top - kBlockH + 16, sx + sw, top - kBlockH + 16, kMuted, 0.5f);
  }
  l_.down(kBlockH + 8);
}

void Painter::auditPage() {
  const PdfAuditCertificate& a = *d_.auditCertificate;
  l_.newPage();
  const Style title{true, 16, kPrimary};
  for (auto& line : l_.wrap(c(a.title, "audit"), title, kWidth)) {
    l_.text(kLeft, l_.y() - 16, line, title);
    l_.down(21);
  }
  l_.rule(kLeft, l_.y() - 1, kRight, l_.y() - 1, kPrimary, 0.8f);
  l_.down(8);
  if (!a.intro.empty()) {
    for (auto& line : l_.wrap(c(a.intro, "audit"), Style{false, 9.5f, kMuted}, kWidth)) {
      l_.need(13);
      l_.text(kLeft, l_.y() - 10, line, Style{false, 9.5f, kMuted});
      l_.down(13);
    }
    l_.down(4);
  }
  for (auto& r : a.rows) {
    std::vector<Line> v = r.value && !r.value->empty()
                              ? l_.lines(c(*r.value, "audit"), kBody, kValueW)
                              : std::vector<Line>{{"—", kEmpty, {}}};
    labelValueRow(c(r.label, "audit"), std::move(v)).draw();
  }
  if (a.table) {
    l_.down(6);
    table(a.tableTitle, *a.table, "audit").draw();
  }
}

void Painter::footers() {
  const std::string total = std::to_string(l_.pageCount());
  std::string marking = c(d_.header.confidentiality, "header.confidentiality");
  std::string version = "Version " + std::to_string(d_.header.version) + " · " +
                        ukDate(dateOf(d_.header.versionDate));
  if (!d_.header.contentHash.empty()) {
    version += " · content hash " + shortHash(d_.header.contentHash);
  }
  const Style pageStyle{true, 8.5f, kInk};
  const Style small{false, 7, kFaint};
  // Deferred: libharu lets us draw on earlier pages once the page count is known.
  for (std::size_t i = 0; i < l_.pageCount(); ++i) {
    l_.usePage(i);
    std::string pageText = "Page " + std::to_string(i + 1) + " of " + total;
    Style markStyle{true, 7.5f, kMarking};
    const float markMax = kWidth - l_.width(pageText, pageStyle) - 20;
    while (markStyle.size > 5.5f && l_.width(marking, markStyle) > markMax) markStyle.size -= 0.25f;
    l_.rule(kLeft, 48, kRight, 48, kRule);
    float y = 37;
    for (auto& line : l_.wrap(marking, markStyle, markMax)) {
      l_.text(kLeft, y, line, markStyle);
      y -= markStyle.size + 2;
    }
    l_.text(kRight - l_.width(pageText, pageStyle), 37, pageText, pageStyle);
    l_.text(kLeft, std::min(y - 1, 26.0f), version, small);
  }
}

void Painter::section(const PdfSection& section, const std::string& field) {
  std::vector<Block> blocks;
  for (auto& it : section.items) blocks.push_back(item(it));
  std::vector<TextLine> intro;
  if (!section.intro.empty()) intro = l_.wrap(c(section.intro, field), kHelp, kWidth);
  float keep = static_cast<float>(intro.size()) * 11 + (blocks.empty() ? 0 : blocks[0].minHeight);
  heading(c(section.title, field), keep);
  for (auto& line : intro) {
    l_.need(11);
    l_.text(kLeft, l_.y() - 8.5f, line, kHelp);
    l_.down(11);
  }
  if (blocks.empty()) {
    l_.need(16);
    l_.text(kLeft, l_.y() - 11, "—", kEmpty);
    l_.down(16);
  }
  for (auto& b : blocks) {
    l_.need(b.minHeight);
    b.draw();
  }
}

void Painter::deadlines() {
  if (d_.deadlines.empty()) return;
  PdfTable t;
  t.columns = {{"Deadline", 3}, {"Due date", 1.6f}, {"Status", 1.4f}};
  for (auto& dl : d_.deadlines) {
    t.rows.push_back({dl.name, dl.due ? std::optional<std::string>(ukDate(*dl.due)) : std::nullopt,
                      dl.status.empty() ? std::nullopt : std::optional<std::string>(dl.status)});
  }
  Block b = table("", t, "deadlines");
  heading("Review deadlines", b.minHeight);
  b.draw();
}

void Painter::paint() {
  const PdfHeader& h = d_.header;
  runningLeft_ = c(h.pupilName, "header.pupilName") + " — " + c(h.title, "header.title");
  runningRight_ = c(h.academyName, "header.academyName");
  l_.runningHeader = [this] { runningHeader(); };
  l_.newPage();
  firstPageHeader();
  for (std::size_t s = 0; s < d_.sections.size(); ++s) {
    section(d_.sections[s], "section." + std::to_string(s));
  }
  deadlines();
  signatures();
  if (d_.auditCertificate) auditPage();
  footers();
}

}  // namespace sendflow::engine::pdf
