#pragma once
// Tests that read ../shared (golden fixtures, test tokenizers; VIVA_SHARED_DIR) skip without it
// and say what is absent and where it was looked for. CI always has ../shared, so there (CI set
// in the environment) an absent file fails the test instead of passing as a skip.
#include <gtest/gtest.h>

#include <cstdlib>

#define VIVA_NEEDS_SHARED(what)                                                                    \
  do {                                                                                             \
    if (std::getenv("CI"))                                                                         \
      FAIL() << what << " absent from " VIVA_SHARED_DIR " (or tests/golden); CI always has them";  \
    GTEST_SKIP() << what << " absent: this test needs ../shared beside the checkout ("             \
                 << VIVA_SHARED_DIR << ")";                                                        \
  } while (0)
