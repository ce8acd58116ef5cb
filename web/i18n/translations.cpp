#include "i18n/translations.h"

#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <gettext-po.h>
#include <unicode/datefmt.h>
#include <unicode/listformatter.h>
#include <unicode/locid.h>
#include <unicode/measfmt.h>
#include <unicode/measunit.h>
#include <unicode/measure.h>
#include <unicode/numberformatter.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <cctype>
#include <charconv>
#include <chrono>
#include <csetjmp>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>

#include "i18n/language_list.h"
#include "sendflow/engine/core/clock.h"
#include "sendflow/engine/definitions/duration.h"
#include "sendflow/engine/documents/plan_document.h"
#include "sendflow/engine/plans/schedule.h"

namespace sendflow::web {
namespace {

// libgettextpo reports problems through a C callback that must not return on a fatal error, and
// no C++ exception may cross its C frames: the callback records the text and, when fatal, jumps
// back to readCatalogue's frame (which holds no object with a destructor across the jump).
thread_local std::string poErrors;
thread_local std::jmp_buf* poJump = nullptr;

void recordPoError(int severity, const char* file, std::size_t line, const char* text) {
  if (severity == PO_SEVERITY_WARNING) return;
  if (!poErrors.empty()) poErrors += "; ";
  if (file) {
    poErrors += file;
    if (line != static_cast<std::size_t>(-1)) poErrors += ":" + std::to_string(line);
    poErrors += ": ";
  }
  poErrors += text ? text : "error";
  while (!poErrors.empty() && poErrors.back() == '\n') poErrors.pop_back();
}

void poXerror(int severity, po_message_t, const char* file, std::size_t line, std::size_t, int,
              const char* text) {
  recordPoError(severity, file, line, text);
  if (severity == PO_SEVERITY_FATAL_ERROR) std::longjmp(*poJump, 1);
}

void poXerror2(int severity, po_message_t, const char* file1, std::size_t line1, std::size_t, int,
               const char* text1, po_message_t, const char* file2, std::size_t line2, std::size_t,
               int, const char* text2) {
  recordPoError(severity == PO_SEVERITY_FATAL_ERROR ? PO_SEVERITY_ERROR : severity, file1, line1,
                text1);
  recordPoError(severity, file2, line2, text2);
  if (severity == PO_SEVERITY_FATAL_ERROR) std::longjmp(*poJump, 1);
}

const po_xerror_handler kPoHandler = {poXerror, poXerror2};

// Reads `path` with libgettextpo; nullptr (and poErrors set) when it could not.
po_file_t readPoFile(const char* path) {
  std::jmp_buf jump;
  poJump = &jump;
  po_file_t file = nullptr;
  if (setjmp(jump) == 0) file = po_file_read(path, &kPoHandler);
  poJump = nullptr;
  return file;
}

struct PoFile {
  po_file_t file;
  ~PoFile() {
    if (file) po_file_free(file);
  }
};

std::string quoted(std::string_view s) {
  std::string q = "\"";
  q.append(s.substr(0, 60));
  if (s.size() > 60) q += "…";
  return q + "\"";
}

std::string joined(const std::multiset<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + ("{{" + n + "}}");
  return out.empty() ? "none" : out;
}

// The catalogue at `path`: msgid → msgstr, for the translations in use.
std::map<std::string, std::string> readCatalogue(const std::string& path) {
  poErrors.clear();
  PoFile po{readPoFile(path.c_str())};
  if (!po.file || !poErrors.empty())
    throw std::runtime_error("translations: " + (poErrors.empty() ? path : poErrors));
  std::map<std::string, std::string> out;
  po_message_iterator_t it = po_message_iterator(po.file, nullptr);
  std::string problem;
  while (po_message_t m = po_next_message(it)) {
    const std::string msgid = po_message_msgid(m);
    const std::string msgstr = po_message_msgstr(m);
    if (msgid.empty() || po_message_is_obsolete(m) || po_message_is_fuzzy(m) || msgstr.empty())
      continue;
    if (po_message_msgid_plural(m) || po_message_msgctxt(m)) {
      problem = "plural forms and contexts are not used (" + quoted(msgid) + ")";
      break;
    }
    bool otherInId = false, otherInStr = false;
    auto idNames = placeholdersOf(msgid, &otherInId);
    auto strNames = placeholdersOf(msgstr, &otherInStr);
    const std::multiset<std::string> want(idNames.begin(), idNames.end()),
        have(strNames.begin(), strNames.end());
    if (otherInStr) {
      problem = "the translation of " + quoted(msgid) +
                " holds a Mustache tag other than {{name}} placeholders, or a stray {{ or }}";
      break;
    }
    if (!otherInId && want != have) {
      problem = "the translation of " + quoted(msgid) + " must keep the placeholders " +
                joined(want) + " (it has " + joined(have) + ")";
      break;
    }
    out.emplace(msgid, msgstr);
  }
  po_message_iterator_free(it);
  if (!problem.empty()) throw std::runtime_error("translations: " + path + ": " + problem);
  return out;
}

void appendEscaped(std::string& out, std::string_view text, TextKind kind) {
  if (kind == TextKind::kPlain) {
    out.append(text);
    return;
  }
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
}

}  // namespace

std::vector<std::string> placeholdersOf(std::string_view message, bool* other) {
  std::vector<std::string> names;
  bool bad = false;
  std::string_view::size_type pos = 0;
  while (pos < message.size()) {
    const auto open = message.find("{{", pos);
    const auto strayClose = message.find("}}", pos);
    if (open == std::string_view::npos) {
      if (strayClose != std::string_view::npos) bad = true;
      break;
    }
    if (strayClose < open) bad = true;
    const auto close = message.find("}}", open + 2);
    if (close == std::string_view::npos) {
      bad = true;
      break;
    }
    std::string_view inner = message.substr(open + 2, close - open - 2);
    while (!inner.empty() && inner.front() == ' ') inner.remove_prefix(1);
    while (!inner.empty() && inner.back() == ' ') inner.remove_suffix(1);
    bool name =
        !inner.empty() && (std::isalpha(static_cast<unsigned char>(inner[0])) || inner[0] == '_');
    for (char c : inner)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.')) name = false;
    if (name)
      names.emplace_back(inner);
    else
      bad = true;
    pos = close + 2;
  }
  if (other) *other = bad;
  return names;
}

std::string fillPlaceholders(
    std::string_view message,
    std::initializer_list<std::pair<std::string_view, std::string>> values) {
  std::string out;
  std::string_view::size_type pos = 0;
  while (pos < message.size()) {
    const auto open = message.find("{{", pos);
    const auto close = open == std::string_view::npos ? open : message.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    out.append(message.substr(pos, open - pos));
    std::string_view name = message.substr(open + 2, close - open - 2);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    const std::string* value = nullptr;
    for (const auto& [k, v] : values)
      if (k == name) value = &v;
    if (value)
      out += *value;
    else
      out.append(message.substr(open, close + 2 - open));
    pos = close + 2;
  }
  out.append(message.substr(std::min(pos, message.size())));
  return out;
}

Translations::Translations(const std::string& dir, Catalogues when) : dir_(dir) {
  for (auto& [lang, where] : readLanguageList(dir + "/LANGUAGES")) {
    const std::string po = dir + "/" + lang.tag + ".po";
    if (!Poco::File(po).exists())
      throw std::runtime_error("translations: " + where + ": " + lang.tag + " has no catalogue " +
                               po);
    if (lang.tag == kEnglish)
      languages_.insert(languages_.begin(), std::move(lang));
    else
      languages_.push_back(std::move(lang));
  }
  if (when == Catalogues::kNow) catalogues();
}

const std::map<std::string, Translations::Catalogue, std::less<>>& Translations::catalogues()
    const {
  if (dir_.empty()) return catalogues_;  // English only: no catalogues
  std::call_once(read_, [this] {
    std::map<std::string, Catalogue, std::less<>> all;
    for (const auto& lang : languages_)
      all.emplace(lang.tag, readCatalogue(dir_ + "/" + lang.tag + ".po"));
    catalogues_ = std::move(all);
  });
  return catalogues_;
}

Translations::Translations() : languages_{{std::string(kEnglish), false, "English", "English"}} {}

const Language* Translations::find(std::string_view tag) const {
  for (const auto& l : languages_)
    if (l.tag == tag) return &l;
  return nullptr;
}

const std::string& Translations::text(std::string_view lang, const std::string& msgid) const {
  const auto& catalogues = this->catalogues();
  for (std::string_view l : {lang, kEnglish}) {
    auto c = catalogues.find(l);
    if (c == catalogues.end()) continue;
    auto it = c->second.find(msgid);
    if (it != c->second.end()) return it->second;
  }
  return msgid;
}

bool Translations::has(std::string_view lang, const std::string& msgid) const {
  if (lang == kEnglish) return true;
  const auto& catalogues = this->catalogues();
  auto c = catalogues.find(lang);
  return c != catalogues.end() && c->second.count(msgid) > 0;
}

std::string Translations::text(std::string_view lang, const engine::Text& t, bool* fellBack) const {
  using Kind = engine::TextArg::Kind;
  auto english = [](engine::TextArg a) {  // as the engine writes it
    a.name = "x";
    return engine::Text("{{x}}", {std::move(a)}).str();
  };
  // A message that is only a form's own whole message ("{{message}}") is in English only where
  // the form does not give it in the language (below); any other, where the catalogue lacks it.
  bool ownOnly = false;
  if (t.args.size() == 1 && t.args.front().whole && t.msgid == "{{" + t.args.front().name + "}}")
    ownOnly = true;
  if (fellBack) *fellBack = !t.empty() && !ownOnly && !has(lang, t.msgid);
  const std::string& message = text(lang, t.msgid);
  std::string out;
  std::string_view::size_type pos = 0;
  while (pos < message.size()) {
    const auto open = message.find("{{", pos);
    const auto close = open == std::string::npos ? open : message.find("}}", open + 2);
    if (close == std::string::npos) break;
    out.append(message, pos, open - pos);
    const std::string_view name(message.data() + open + 2, close - open - 2);
    const engine::TextArg* arg = nullptr;
    for (const auto& a : t.args)
      if (a.name == name) arg = &a;
    if (!arg) {
      out.append(message, open, close + 2 - open);
    } else {
      switch (arg->kind) {
        case Kind::kVerbatim:
          out += arg->value;
          break;
        case Kind::kCount:
          out += localCount(lang, arg->count);
          break;
        case Kind::kMinutes:
          out += localMinutes(lang, arg->count);
          break;
        case Kind::kDate:
          out += lang == kEnglish ? english(*arg) : localDate(lang, arg->value);
          break;
        case Kind::kText:
          if (!arg->texts.empty()) out += text(lang, arg->texts.front());
          break;
        case Kind::kList: {
          std::vector<std::string> items;
          for (const auto& i : arg->texts) items.push_back(text(lang, i));
          out += localList(lang, items);
          break;
        }
        case Kind::kDuration: {
          auto d = engine::parseDuration(arg->value);
          out += lang == kEnglish || !d ? english(*arg) : localDuration(lang, *d);
          break;
        }
        case Kind::kWords: {
          if (lang == kEnglish) {
            out += arg->value;
            break;
          }
          auto w = arg->words.find(lang);
          if (arg->whole) {  // a form's own whole message: its words, never quoted
            out += w != arg->words.end() ? w->second : arg->value;
            if (fellBack && w == arg->words.end()) *fellBack = true;
            break;
          }
          // TRANSLATORS: a form's own words (a question's label) quoted inside a sentence.
          out += fillPlaceholders(text(lang, N_("“{{words}}”")),
                                  {{"words", w != arg->words.end() ? w->second : arg->value}});
          break;
        }
      }
    }
    pos = close + 2;
  }
  if (pos < message.size()) out.append(message, pos, std::string::npos);
  return out;
}

std::size_t Translations::translatedCount(std::string_view lang) const {
  const auto& catalogues = this->catalogues();
  auto c = catalogues.find(lang);
  return c == catalogues.end() ? 0 : c->second.size();
}

std::string translateTemplate(const std::string& name, const std::string& text,
                              const Translations& tr, std::string_view lang, TextKind kind) {
  static const std::string kOpen = "{{#t}}", kClose = "{{/t}}";
  std::string out;
  out.reserve(text.size());
  std::string::size_type pos = 0;
  while (true) {
    const auto open = text.find(kOpen, pos);
    if (open == std::string::npos) break;
    const auto close = text.find(kClose, open + kOpen.size());
    if (close == std::string::npos)
      throw std::runtime_error("template " + name + ": a {{#t}} is never closed with {{/t}}");
    const std::string msgid = text.substr(open + kOpen.size(), close - open - kOpen.size());
    bool other = false;
    placeholdersOf(msgid, &other);
    if (other || msgid.empty())
      throw std::runtime_error("template " + name + ": the message " + quoted(msgid) +
                               " may hold only text and {{name}} placeholders");
    out.append(text, pos, open - pos);
    const std::string& message = tr.text(lang, msgid);
    std::string::size_type p = 0;
    while (p < message.size()) {
      const auto o = message.find("{{", p);
      if (o == std::string::npos) break;
      const auto c = message.find("}}", o + 2);
      appendEscaped(out, std::string_view(message).substr(p, o - p), kind);
      std::string placeholder = message.substr(o + 2, c - o - 2);
      const auto first = placeholder.find_first_not_of(' ');
      placeholder = placeholder.substr(first, placeholder.find_last_not_of(' ') - first + 1);
      out += kind == TextKind::kHtml ? "{{" + placeholder + "}}" : "{{{" + placeholder + "}}}";
      p = c + 2;
    }
    appendEscaped(out, std::string_view(message).substr(p), kind);
    pos = close + kClose.size();
  }
  out.append(text, pos);
  return out;
}

std::string localMinutes(std::string_view lang, long minutes) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Locale locale(std::string(lang).c_str());
  icu::UnicodeString formatted = icu::number::NumberFormatter::withLocale(locale)
                                     .unit(icu::MeasureUnit::getMinute())
                                     .unitWidth(UNUM_UNIT_WIDTH_FULL_NAME)
                                     .formatInt(minutes, status)
                                     .toString(status);
  if (U_FAILURE(status)) return std::to_string(minutes) + " minutes";
  std::string out;
  formatted.toUTF8String(out);
  return out;
}

std::string localDuration(std::string_view lang, const engine::Duration& d) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Locale locale(std::string(lang).c_str());
  icu::MeasureFormat fmt(locale, UMEASFMT_WIDTH_WIDE, status);
  std::vector<icu::Measure> parts;
  auto add = [&](int n, icu::MeasureUnit* unit) {
    std::unique_ptr<icu::MeasureUnit> owned(unit);
    if (U_FAILURE(status) || !owned) return;
    if (n != 0) parts.emplace_back(icu::Formattable(n), owned.release(), status);
  };
  add(d.years, icu::MeasureUnit::createYear(status));
  add(d.months, icu::MeasureUnit::createMonth(status));
  add(d.weeks, icu::MeasureUnit::createWeek(status));
  if (d.days != 0 || parts.empty()) {
    std::unique_ptr<icu::MeasureUnit> day(icu::MeasureUnit::createDay(status));
    if (U_SUCCESS(status) && day)
      parts.emplace_back(icu::Formattable(d.days), day.release(), status);
  }
  icu::UnicodeString formatted;
  icu::FieldPosition pos(icu::FieldPosition::DONT_CARE);
  if (U_SUCCESS(status))
    fmt.formatMeasures(parts.data(), static_cast<int32_t>(parts.size()), formatted, pos, status);
  if (U_FAILURE(status)) return engine::durationWords(d);
  std::string out;
  formatted.toUTF8String(out);
  return out;
}

std::string localCount(std::string_view lang, long n) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Locale locale(std::string(lang).c_str());
  icu::UnicodeString formatted =
      icu::number::NumberFormatter::withLocale(locale).formatInt(n, status).toString(status);
  if (U_FAILURE(status)) return std::to_string(n);
  std::string out;
  formatted.toUTF8String(out);
  return out;
}

std::string localList(std::string_view lang, const std::vector<std::string>& items, ListKind kind) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Locale locale(std::string(lang).c_str());
  std::unique_ptr<icu::ListFormatter> fmt(icu::ListFormatter::createInstance(
      locale, kind == ListKind::kOr ? ULISTFMT_TYPE_OR : ULISTFMT_TYPE_AND, ULISTFMT_WIDTH_WIDE,
      status));
  std::vector<icu::UnicodeString> in;
  for (const auto& i : items) in.push_back(icu::UnicodeString::fromUTF8(i));
  icu::UnicodeString formatted;
  if (fmt && U_SUCCESS(status))
    fmt->format(in.data(), static_cast<int32_t>(in.size()), formatted, status);
  std::string out;
  if (!fmt || U_FAILURE(status)) {
    for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
    return out;
  }
  formatted.toUTF8String(out);
  return out;
}

std::string localDateTime(std::string_view lang, std::string_view isoTime) {
  const auto at = engine::parseIsoTime(std::string(isoTime));
  if (!at) return std::string(isoTime);
  const UDate when = static_cast<UDate>(engine::toUnix(*at)) * 1000.0;
  const icu::Locale locale(std::string(lang).c_str());
  std::unique_ptr<icu::DateFormat> fmt(icu::DateFormat::createDateTimeInstance(
      icu::DateFormat::kLong, icu::DateFormat::kShort, locale));
  if (!fmt) return std::string(isoTime);
  fmt->adoptTimeZone(icu::TimeZone::createTimeZone("Europe/London"));
  icu::UnicodeString formatted;
  fmt->format(when, formatted);
  std::string out;
  formatted.toUTF8String(out);
  return out;
}

std::string localDate(std::string_view lang, std::string_view isoDate) {
  if (isoDate.size() < 10 || isoDate[4] != '-' || isoDate[7] != '-') return std::string(isoDate);
  int y = 0, m = 0, d = 0;
  auto num = [&](std::size_t at, std::size_t len, int& v) {
    auto r = std::from_chars(isoDate.data() + at, isoDate.data() + at + len, v);
    return r.ec == std::errc() && r.ptr == isoDate.data() + at + len;
  };
  if (!num(0, 4, y) || !num(5, 2, m) || !num(8, 2, d)) return std::string(isoDate);
  const std::chrono::year_month_day ymd{std::chrono::year{y},
                                        std::chrono::month{static_cast<unsigned>(m)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::string(isoDate);
  const auto days = std::chrono::sys_days(ymd).time_since_epoch().count();
  const UDate when = static_cast<UDate>(days) * 86400000.0;
  const icu::Locale locale(std::string(lang).c_str());
  std::unique_ptr<icu::DateFormat> fmt(
      icu::DateFormat::createDateInstance(icu::DateFormat::kLong, locale));
  if (!fmt) return std::string(isoDate.substr(0, 10));
  fmt->adoptTimeZone(icu::TimeZone::createTimeZone("UTC"));
  icu::UnicodeString formatted;
  fmt->format(when, formatted);
  std::string out;
  formatted.toUTF8String(out);
  return out;
}

}  // namespace sendflow::web
