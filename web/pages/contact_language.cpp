#include "pages/contact_language.h"

#include "app/services.h"
#include "http/http.h"
#include "i18n/translations.h"

namespace sendflow::web {
namespace {

constexpr const char* kCookie = "sendflow_lang";
constexpr int kCookieSeconds = 90 * 24 * 3600;

// Signer slot labels of the shipped workflows (workflows/*.json: data, not code, so xgettext
// cannot find them there) that a contact reads on the signing page ("waiting for…", the list of
// signers): listed here so that scripts/update-translations puts them in the catalogue. The
// engine's own texts (link errors, contact kinds, the consent text) are marked N_ where the
// engine writes them.
[[maybe_unused]] constexpr const char* kWorkflowSignerLabels[] = {
    N_("SENCO"),
    N_("Headteacher"),
    N_("Pupil"),
};

}  // namespace

std::string languageLabel(const Translations& tr, const std::string& tag) {
  const Language* l = tr.find(tag);
  if (!l) return tag;
  return l->name == l->englishName ? l->englishName : l->englishName + " – " + l->name;
}

Data languageOptions(const Translations& tr, const std::string& selected) {
  Data out = list();
  for (const auto& l : tr.languages()) {
    Data o;
    o.set("value", l.tag);
    o.set("label", languageLabel(tr, l.tag));
    o.set("selected", l.tag == selected || (selected.empty() && l.tag == kEnglish));
    out.push_back(o);
  }
  return out;
}

void speakTo(Exchange& ex, const std::string& preferred) {
  const auto& tr = ex.services.translations();
  const Language* theirs = tr.find(preferred);
  const std::string own = theirs ? theirs->tag : std::string(kEnglish);
  ex.preferredLanguage = own;
  const std::string asked = ex.query("lang", "");
  if (!asked.empty()) {
    if (asked == "en") {
      ex.setCookie(kCookie, "en", kCookieSeconds);
      ex.language = std::string(kEnglish);
      return;
    }
    if (asked != own)
      throw BadRequest("lang must be en or " + own + " on this page (it was \"" +
                       asked.substr(0, 20) + "\")");
    ex.setCookie(kCookie, "", 0);
    ex.language = own;
    return;
  }
  ex.language = ex.cookie(kCookie) == "en" ? std::string(kEnglish) : own;
}

}  // namespace sendflow::web
