// The sendflow command line: serve, migrate, demo, user, backup (and later render, verify, …).
#pragma once

#include <Poco/Util/AbstractConfiguration.h>

#include <string>
#include <vector>

namespace sendflow::web {

// Runs one command; returns the process exit code. Errors go to stderr in plain English.
int runCommand(const std::vector<std::string>& args);

// Logs to stderr, or to the file named by log.file (SENDFLOW_LOG_FILE).
void configureLogging(const Poco::Util::AbstractConfiguration& config);

}  // namespace sendflow::web
