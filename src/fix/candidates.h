// Which candidates the fix loop builds: one per countermeasure the troubleshooting calls for,
// from a base configuration (include/xquant/fix.h lists them and why).
#pragma once

#include <string>
#include <vector>

#include "xquant/fix.h"

namespace xquant::fix {

// What a candidate is before it is built: fix.h's FixCandidate with id, countermeasure, source,
// config and config_delta filled in. Candidates whose config equals an earlier one's are dropped
// (a countermeasure the base config already applies adds nothing to measure).
// `repr_samples` is the size of the representative data (for "more samples").
// `notes` receives why a countermeasure could not be turned into a candidate.
std::vector<FixCandidate> PlanCandidates(const TroubleshootResult& original, const QuantizeOptions& base,
                                         int64_t repr_samples, std::vector<std::string>* notes);

// The general measures a quantizer can try by itself (another activation error method, bias
// correction toggled, all representative samples when the base used fewer), appended to
// `candidates` unless one there has the same configuration. PlanCandidates adds them when no judge
// found a cause on a degraded layer or a general case applies; RunFix adds them afterwards when
// the judged countermeasures did not beat the user's model (the seed's fourth case).
void AddGeneralCandidates(const QuantizeOptions& base, int64_t repr_samples, std::vector<FixCandidate>* candidates,
                          std::vector<std::string>* notes);

// The general measures' manual pages that PlanCandidates can try by itself (an error method,
// bias correction, more samples), and so are not "remaining" when their candidates were built.
bool IsAutomaticMeasure(const std::string& page);

}  // namespace xquant::fix
