// Plan version → PdfDocument, from the form definition alone.
#include "sendflow/engine/documents/plan_document.h"

#include <Poco/JSON/Array.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "sendflow/engine/forms/form_values.h"
#include "sendflow/engine/people/model.h"
#include "sendflow/engine/plans/schedule.h"

namespace sendflow::engine {
namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr std::size_t kMaxListedOptions = 6;        // single choice: all options shown
constexpr std::size_t kMaxListedMultiOptions = 10;  // multi-choice: all options shown
constexpr std::size_t kMaxTableColumns = 5;         // wider tables are shown row by row

Var valueOf(const Object& o, const std::string& key) { return o.has(key) ? o.get(key) : Var(); }

std::optional<std::string> present(std::string s) {
  if (s.empty()) return std::nullopt;
  return s;
}

PdfColour parseColour(const std::string& hex) {
  PdfColour c{128, 128, 128};
  unsigned r = 0, g = 0, b = 0;
  if (hex.size() == 7 && hex[0] == '#' &&
      std::sscanf(hex.c_str() + 1, "%2x%2x%2x", &r, &g, &b) == 3) {
    c = {static_cast<std::uint8_t>(r), static_cast<std::uint8_t>(g), static_cast<std::uint8_t>(b)};
  }
  return c;
}

class Mapper {
 public:
  Mapper(const PlanView& v, const PlanDocumentOptions& o)
      : v_(v), o_(o), values_(withComputed(*v.form, *v.values)) {}

  PdfDocument build();

 private:
  std::string person(const std::string& ref) const;
  // The text a reader sees for a scalar value of `f` ("" when absent).
  std::string text(const FieldDef& f, const Var& value) const;
  PdfItem item(const FieldDef& f) const;
  std::vector<PdfItem> items(const FieldDef& f) const;  // a wide table: one item per row
  PdfTable table(const FieldDef& f, const Var& value) const;
  std::vector<PdfDeadline> deadlines() const;
  std::vector<PdfSignature> signatures() const;

  const PlanView& v_;
  const PlanDocumentOptions& o_;
  Object::Ptr values_;  // with computed values written in
};

std::string Mapper::person(const std::string& ref) const {
  auto it = o_.people.find(ref);
  if (it != o_.people.end()) return it->second;
  if (ref.rfind("user:", 0) == 0 || ref.rfind("contact:", 0) == 0 || ref.rfind("pupil:", 0) == 0)
    return "Unknown person (" + ref + ")";
  return ref;  // a free-text name
}

std::string Mapper::text(const FieldDef& f, const Var& value) const {
  if (!isPresent(value)) return "";
  if (f.kind == FieldKind::kPerson && value.isString()) return person(value.extract<std::string>());
  return displayValue(f, value);
}

PdfTable Mapper::table(const FieldDef& f, const Var& value) const {
  PdfTable t;
  for (const auto& col : f.columns) {
    float weight = 1;
    switch (col.kind) {
      case FieldKind::kLongText:
        weight = 2.2f;
        break;
      case FieldKind::kText:
      case FieldKind::kPerson:
      case FieldKind::kMultiChoice:
        weight = 1.4f;
        break;
      case FieldKind::kChoice:
        weight = 1.2f;
        break;
      default:
        weight = 1;
        break;
    }
    t.columns.push_back({col.label, weight});
  }
  if (!isPresent(value) || value.type() != typeid(Array::Ptr)) return t;
  const Array& rows = *value.extract<Array::Ptr>();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    Object::Ptr row = rows.getObject(static_cast<unsigned>(i));
    std::vector<std::optional<std::string>> cells;
    for (const auto& col : f.columns) {
      cells.push_back(row ? present(text(col, valueOf(*row, col.id))) : std::nullopt);
    }
    t.rows.push_back(std::move(cells));
  }
  return t;
}

std::vector<PdfItem> Mapper::items(const FieldDef& f) const {
  if (f.kind != FieldKind::kTable || f.columns.size() <= kMaxTableColumns) return {item(f)};
  // Too many columns for A4 portrait: each row becomes its own two-column table of
  // "column label → value", in column order, so no word is broken inside a narrow cell.
  PdfTable wide = table(f, valueOf(*values_, f.id));
  if (wide.rows.empty()) return {item(f)};
  std::vector<PdfItem> out;
  for (std::size_t r = 0; r < wide.rows.size(); ++r) {
    PdfTable t;
    t.columns = {{"Field", 1}, {"Entry", 2.6f}};
    for (std::size_t c = 0; c < wide.columns.size(); ++c) {
      t.rows.push_back(
          {wide.columns[c].header, c < wide.rows[r].size() ? wide.rows[r][c] : std::nullopt});
    }
    PdfItem it;
    it.id = f.id;
    it.label = f.label + " — " + std::to_string(r + 1) + " of " + std::to_string(wide.rows.size());
    it.content = std::move(t);
    out.push_back(std::move(it));
  }
  return out;
}

PdfItem Mapper::item(const FieldDef& f) const {
  PdfItem it;
  it.id = f.id;
  it.label = f.label;
  Var value = valueOf(*values_, f.id);
  // The plan's own review date, once it has one: the answer is only a request for an earlier
  // date, and left blank the date comes from the policy when the plan becomes active.
  if (f.id == kReviewDateField && f.kind == FieldKind::kDate && v_.plan.reviewDate &&
      v_.version.number == v_.plan.currentVersion)
    value = *v_.plan.reviewDate;
  switch (f.kind) {
    case FieldKind::kLongText:
      it.content = PdfLongText{present(text(f, value))};
      break;
    case FieldKind::kYesNo:
      it.content =
          PdfYesNo{value.isBoolean() ? std::optional<bool>(value.extract<bool>()) : std::nullopt};
      break;
    case FieldKind::kChoice:
    case FieldKind::kMultiChoice: {
      PdfChoice c;
      c.multiple = f.kind == FieldKind::kMultiChoice;
      // Every option with the chosen ones marked, unless the list is long (year groups):
      // then only what was chosen.
      if (f.options.size() <= (c.multiple ? kMaxListedMultiOptions : kMaxListedOptions)) {
        for (const auto& opt : f.options) c.options.push_back(opt.label);
      }
      auto add = [&](const Var& x) {
        std::string s = x.isString() ? x.extract<std::string>() : canonicalJson(x);
        const ChoiceOption* opt = f.option(s);
        c.chosen.push_back(opt ? opt->label : s);
      };
      if (value.type() == typeid(Array::Ptr)) {
        const Array& a = *value.extract<Array::Ptr>();
        for (std::size_t i = 0; i < a.size(); ++i) add(a.get(static_cast<unsigned>(i)));
      } else if (isPresent(value)) {
        add(value);
      }
      it.content = std::move(c);
      break;
    }
    case FieldKind::kTable:
      it.content = table(f, value);
      break;
    case FieldKind::kComputed: {
      PdfRating r;
      if (isPresent(value) && value.isNumeric()) {
        const double score = value.convert<double>();
        std::string shown = displayValue(f, value);  // "12 (High)"
        if (const Band* b = bandFor(f, score)) {
          r.band = b->label;
          r.colour = parseColour(b->colour);
          const std::string suffix = " (" + b->label + ")";
          if (shown.size() > suffix.size() &&
              shown.compare(shown.size() - suffix.size(), suffix.size(), suffix) == 0)
            shown.resize(shown.size() - suffix.size());
        }
        r.score = shown;
      } else {
        r.band = "Not yet rated (an input is missing)";
        r.colour = {255, 255, 255};
      }
      it.content = std::move(r);
      break;
    }
    default:
      it.content = PdfText{present(text(f, value))};
      break;
  }
  return it;
}

std::vector<PdfDeadline> Mapper::deadlines() const {
  const Date asAt = dateOf(parseIsoTime(v_.version.createdAt).value_or(TimePoint{}));
  const Duration dueSoon =
      v_.workflow->deadlines ? v_.workflow->deadlines->dueSoon : Duration{0, 0, 0, 14};
  std::vector<PdfDeadline> out;
  for (const auto& dl : v_.deadlines) {
    // As at the version's date: what happened later is not part of this version.
    std::optional<Date> done = dl.doneOn && *dl.doneOn <= asAt ? dl.doneOn : std::nullopt;
    DeadlineStatus st = deadlineStatus(dl.due, asAt, done, dueSoon);
    std::string status = deadlineStatusLabel(st);
    if (done) status += " (" + ukDate(*done) + ")";
    out.push_back({dl.label, dl.due, status});
  }
  return out;
}

// One block per signer named in each slot (and per signature of the version from someone no
// longer named, e.g. a replaced signer), or one empty block for a slot nobody was named for.
std::vector<PdfSignature> Mapper::signatures() const {
  std::vector<PdfSignature> out;
  for (const auto& slot : v_.workflow->signers) {
    std::string role = slot.label.empty() ? slot.role : slot.label;
    if (slot.required == SignerSlot::Required::kIfInvolved) role += " (if involved)";
    if (slot.required == SignerSlot::Required::kNo) role += " (optional)";
    std::vector<std::pair<std::string, std::string>> named;  // person ref, name
    for (const auto& a : v_.signers)
      if (a.slot == slot.role)
        named.emplace_back(a.personRef, a.name.empty() ? person(a.personRef) : a.name);
    for (const auto& sig : o_.signatures) {
      bool listed = std::any_of(named.begin(), named.end(),
                                [&](const auto& n) { return n.first == sig.personRef; });
      if (sig.slot == slot.role && !listed) named.emplace_back(sig.personRef, sig.name);
    }
    if (named.empty()) out.push_back({role, std::nullopt, std::nullopt, std::nullopt, {}});
    for (const auto& [ref, name] : named) {
      PdfSignature s{role, present(name), std::nullopt, std::nullopt, {}};
      for (const auto& sig : o_.signatures) {
        if (sig.slot != slot.role || sig.personRef != ref || !sig.voidedAt.empty()) continue;
        if (!sig.typedName.empty()) s.name = sig.typedName;  // as on the sealed copy
        s.signedAt = parseIsoTime(sig.signedAt);
        s.method = signatureMethodLabel(sig.method);
        s.drawnPng = sig.drawnPng;
      }
      out.push_back(std::move(s));
    }
  }
  return out;
}

PdfDocument Mapper::build() {
  PdfDocument d;
  PdfHeader& h = d.header;
  h.academyName = o_.academyName;
  h.logoPng = o_.logoPng;
  h.title = v_.workflow->title.empty() ? v_.form->title : v_.workflow->title;
  h.pupilName = v_.pupil.legalName;
  if (!v_.pupil.preferredName.empty() && v_.pupil.preferredName != v_.pupil.legalName)
    h.pupilName += " (known as " + v_.pupil.preferredName + ")";
  h.dateOfBirth = parseIsoDate(v_.pupil.dateOfBirth);
  h.yearGroup = v_.pupil.yearGroup.empty() ? std::string() : yearGroupLabel(v_.pupil.yearGroup);
  h.planState = v_.state && !v_.state->label.empty() ? v_.state->label : v_.plan.state;
  h.version = v_.version.number;
  h.versionDate = parseIsoTime(v_.version.createdAt).value_or(TimePoint{});
  h.contentHash = v_.version.contentHash;
  d.subject = h.title + ", version " + std::to_string(h.version) + " (" + h.planState + ")";

  for (const auto& s : v_.form->sections) {
    if (!isSectionVisible(s, *values_)) continue;
    PdfSection section;
    section.title = s.title;
    section.intro = s.help;
    for (const auto& f : s.fields) {
      if (f.hidden || !isFieldVisible(*v_.form, f, *values_)) continue;
      for (auto& it : items(f)) section.items.push_back(std::move(it));
    }
    d.sections.push_back(std::move(section));
  }
  if (v_.plan.reviewDate) d.reviewDate = parseIsoDate(*v_.plan.reviewDate);
  d.deadlines = deadlines();
  d.signatures = signatures();
  if (o_.sealed) {
    const auto sealedAt = parseIsoTime(o_.sealed->sealedAt);
    d.signaturesNote =
        "The signed record is the sealed copy: sendflow plan " + std::to_string(o_.sealed->planId) +
        ", version " + std::to_string(o_.sealed->version) +
        (sealedAt ? ", sealed on " + ukDateTime(*sealedAt) : std::string()) + ", file SHA-256 " +
        o_.sealed->pdfSha256 + ". This copy is for reading; it carries no seal.";
  }
  return d;
}

// One ASCII letter for the first letter of a name word (Latin with diacritics, Greek,
// Cyrillic); 0 when there is none.
char asciiInitial(char32_t cp) {
  static constexpr char kLatin1[] =
      "AAAAAAACEEEEIIIIDNOOOOO-OUUUUYTsaaaaaaaceeeeiiiidnooooo-ouuuuyty";  // U+00C0..U+00FF
  static constexpr char kLatinA[] =
      "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiIiJjKkkLlLlLlLlLlNnNnNnnNnOoOoOoOoRrRrRr"
      "SsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";                            // U+0100..U+017F
  static constexpr char kGreek[] = "ABGDEZITIKLMNXOPR-STYFCPO";            // U+0391..U+03A9
  static constexpr char kCyrillic[] = "ABVGDEZZIIKLMNOPRSTUFKTCSS-Y-EYY";  // U+0410..U+042F
  static_assert(sizeof kLatin1 == 0x40 + 1 && sizeof kLatinA == 0x80 + 1);
  static_assert(sizeof kGreek == 25 + 1 && sizeof kCyrillic == 32 + 1);
  char c = 0;
  if (cp < 0x80)
    c = static_cast<char>(cp);
  else if (cp >= 0xC0 && cp <= 0xFF)
    c = kLatin1[cp - 0xC0];
  else if (cp >= 0x100 && cp <= 0x17F)
    c = kLatinA[cp - 0x100];
  else if (cp >= 0x391 && cp <= 0x3A9)
    c = kGreek[cp - 0x391];
  else if (cp >= 0x3B1 && cp <= 0x3C9)
    c = kGreek[cp - 0x3B1];
  else if (cp >= 0x386 && cp <= 0x38F)
    c = "A-EII-O-YO"[cp - 0x386];
  else if (cp >= 0x410 && cp <= 0x42F)
    c = kCyrillic[cp - 0x410];
  else if (cp >= 0x430 && cp <= 0x44F)
    c = kCyrillic[cp - 0x430];
  else if (cp == 0x401 || cp == 0x451 || cp == 0x404 || cp == 0x454)
    c = 'E';
  else if (cp == 0x406 || cp == 0x456 || cp == 0x407 || cp == 0x457)
    c = 'I';
  if (!std::isalpha(static_cast<unsigned char>(c))) return 0;
  return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
}

char32_t firstCodePoint(std::string_view s) {
  if (s.empty()) return 0;
  auto b = static_cast<unsigned char>(s[0]);
  std::size_t len = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : 4;
  if (len > s.size()) return 0;
  char32_t cp = len == 1 ? b : len == 2 ? (b & 0x1Fu) : len == 3 ? (b & 0x0Fu) : (b & 0x07u);
  for (std::size_t i = 1; i < len; ++i) cp = (cp << 6) | (static_cast<unsigned char>(s[i]) & 0x3Fu);
  return cp;
}

}  // namespace

std::optional<TimePoint> parseIsoTime(std::string_view s) {
  auto day = parseIsoDate(s.substr(0, std::min<std::size_t>(10, s.size())));
  if (!day) return std::nullopt;
  TimePoint t = startOf(*day);
  if (s.size() == 10) return t;
  int hh = 0, mm = 0, ss = 0;
  std::string rest(s.substr(10));
  char z = 0;
  if (std::sscanf(rest.c_str(), "T%2d:%2d:%2d%c", &hh, &mm, &ss, &z) < 3 || hh > 23 || mm > 59 ||
      ss > 60 || hh < 0 || mm < 0 || ss < 0)
    return std::nullopt;
  return t + std::chrono::hours(hh) + std::chrono::minutes(mm) + std::chrono::seconds(ss);
}

PdfDocument planDocument(const PlanView& v, const PlanDocumentOptions& options) {
  return Mapper(v, options).build();
}

std::string planPdfFileName(const PlanView& v) {
  std::string initials;
  std::string_view name = v.pupil.legalName;
  std::size_t i = 0;
  while (i < name.size() && initials.size() < 4) {
    while (i < name.size() && name[i] == ' ') ++i;
    if (i >= name.size()) break;
    if (char c = asciiInitial(firstCodePoint(name.substr(i)))) initials.push_back(c);
    while (i < name.size() && name[i] != ' ') ++i;
  }
  if (initials.empty()) initials = "pupil";
  std::string type;
  for (char c : v.plan.type) {
    type.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '_' ? c : '-');
  }
  if (type.empty()) type = "plan";
  return type + "-" + initials + "-v" + std::to_string(v.version.number) + ".pdf";
}

}  // namespace sendflow::engine
