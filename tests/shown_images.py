"""Load the images a reader is shown, for the browser tests that measure them.

The site's figures are ``loading="lazy"`` (hooks/figures.py): the browser fetches a figure
only when it nears the viewport, and never the hidden colour scheme's copy. A test that
measures every shown figure makes the shown ones load now, as scrolling would, and waits
for them; the hidden ones stay unfetched.
"""

from __future__ import annotations

LOAD_SHOWN = """async () => {
  const shown = [...document.images].filter(i => i.offsetParent !== null);
  for (const img of shown) if (img.loading === 'lazy') img.loading = 'eager';
  await Promise.all(shown.map(img => img.decode().catch(() => null)));  // a broken one is the test's to report
}"""


def load_shown_images(page) -> None:
    """Make `page`'s displayed images load (lazy or not) and wait until each has loaded or failed."""
    page.evaluate(LOAD_SHOWN)
