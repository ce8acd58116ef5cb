#include "sendflow/engine/core/door.h"

namespace sendflow::engine {

const char* doorName(Door d) {
  switch (d) {
    case Door::kPage:
      return "page";
    case Door::kApi:
      return "api";
    case Door::kPdf:
      return "pdf";
    case Door::kLive:
      return "live";
    case Door::kCli:
      return "cli";
    case Door::kSignerLink:
      return "signer_link";
    case Door::kContributorLink:
      return "contributor_link";
  }
  return "unknown";
}

std::string doorLabel(std::string_view name) {
  if (name == "page") return "A staff page";
  if (name == "api") return "The API";
  if (name == "pdf") return "A PDF download";
  if (name == "live") return "Live editing";
  if (name == "cli") return "The command line";
  if (name == "signer_link") return "The signer's emailed link";
  if (name == "contributor_link") return "The contributor's emailed link";
  std::string s(name);
  for (char& c : s)
    if (c == '_') c = ' ';
  return s;
}

}  // namespace sendflow::engine
