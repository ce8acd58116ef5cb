// Mustache pages, compiled once at start-up (an invalid template stops start-up, named).
// User data goes only through {{escaped}} tags.
#pragma once

#include <kainjow/mustache.hpp>
#include <map>
#include <string>

namespace sendflow::web {

using Data = kainjow::mustache::data;
class Exchange;

class Views {
 public:
  explicit Views(const std::string& templatesDir);

  // Renders templates/<name>.mustache alone.
  std::string render(const std::string& name, const Data& data) const;
  // Renders a whole page: layout top, the named body template, layout bottom.
  std::string page(const Exchange& ex, const std::string& name, Data data,
                   const std::string& title) const;

 private:
  const kainjow::mustache::mustache& get(const std::string& name) const;
  std::map<std::string, kainjow::mustache::mustache> templates_;
  std::map<std::string, std::string> partials_;
};

// Helpers for building view data.
Data list();
Data errorSummary(const std::vector<std::pair<std::string, std::string>>& fieldMessages);

}  // namespace sendflow::web
