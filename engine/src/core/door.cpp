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

}  // namespace sendflow::engine
