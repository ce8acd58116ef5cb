#include "pages/contact_language.h"

#include "app/services.h"
#include "http/http.h"
#include "i18n/translations.h"

namespace sendflow::web {
namespace {

constexpr const char* kCookie = "sendflow_lang";
constexpr int kCookieSeconds = 90 * 24 * 3600;

// Texts contacts see that come from the engine or the definitions, not from a template: listed
// here so that scripts/update-translations puts them in the catalogue; translated where shown.
[[maybe_unused]] constexpr const char* kEngineTexts[] = {
    N_("Parent or carer"),
    N_("Health professional"),
    N_("Local authority officer"),
    N_("Other"),
    N_("SENCO"),
    N_("Headteacher"),
    N_("Pupil"),
    N_("I agree to sign this document electronically. I have read the version shown above, and "
       "my typed name or drawn signature has the same effect as my handwritten signature on it."),
    // What a contact's link answers when it cannot be used (engine/src/signing,
    // engine/src/contributions): copied exactly, or the English shows.
    N_("This link has expired, so it no longer shows the plan. If you need a copy of the plan, "
       "or a new link to sign it, ask the school's SENCO: contact the school office by phone or "
       "email and they will send you one."),
    N_("This signing link is not valid."),
    N_("This signing link is not valid. Check that you opened the whole link from the latest "
       "email."),
    N_("This link is no longer valid: the plan was changed or withdrawn after it was sent, so "
       "earlier signatures no longer count. If the plan is sent again, you will get a new link."),
    N_("This link is no longer valid: the school asked someone else to sign in your place."),
    N_("This link has already been used: you signed this plan. Nothing more is needed from you."),
    N_("This link has already been used: you declined this plan. Nothing more is needed from "
       "you."),
    N_("This link has expired. Ask the school's SENCO to send you a new one."),
    N_("Too many wrong codes were entered, so this link is locked. Ask the school's SENCO to send "
       "you a new link."),
    N_("We emailed you a code less than a minute ago. Check your email (and its spam folder); you "
       "can ask for another code in a minute."),
    N_("This version is no longer the current one: the plan was changed or recalled after it was "
       "sent to you, so nothing was signed. If it is sent again you will be asked to sign the new "
       "version."),
    N_("Enter the code we emailed you before signing."),
    N_("Tell the school why you are declining"),
    N_("This link is not valid. Check that you opened the whole link from the email."),
    N_("The school has withdrawn this link. Ask the SENCO if you would still like to contribute."),
    N_("This link no longer works. Please contact the school."),
    N_("This link is not valid."),
    N_("This link is not valid. Check that you opened the whole link from the latest email."),
    N_("This link has expired, so it can no longer be used to ask for a review. To ask for one, "
       "contact the school's SENCO by phone or email: any parent, carer or professional involved "
       "may ask for a review at any time."),
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
