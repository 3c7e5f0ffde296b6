"""Copy-paste code that puts a partner's widget on their site: plain script tag, iframe, React component.

One source for the admin page, the ``poser partner create`` output and the docs, so the three never
disagree with what ``/embed/widget.js`` and ``/embed/frame/{slug}`` expect.
"""

from __future__ import annotations

from urllib.parse import quote

#: Element id the React snippet renders into (the widget's ``data-target``).
REACT_TARGET_ID = "poser-widget"


def embed_snippets(api_url: str, slug: str) -> dict[str, str]:
    """``{"script", "iframe", "react"}`` snippets for partner ``slug`` served by the API at ``api_url``."""
    api = api_url.rstrip("/")
    partner = quote(slug, safe="")
    script = f'<script src="{api}/embed/widget.js" data-partner="{partner}"></script>'
    iframe = f'<iframe src="{api}/embed/frame/{partner}" width="520" height="720" style="border:0"></iframe>'
    react = f"""import {{ useEffect, useRef }} from "react";

// The widget renders into this element; it loads once per mount.
export function PoserWidget() {{
  const box = useRef(null);
  useEffect(() => {{
    const script = document.createElement("script");
    script.src = "{api}/embed/widget.js";
    script.dataset.partner = "{partner}";
    script.dataset.target = "#{REACT_TARGET_ID}";
    box.current.appendChild(script);
    return () => {{ if (box.current) box.current.innerHTML = ""; }};
  }}, []);
  return <div id="{REACT_TARGET_ID}" ref={{box}} />;
}}
"""
    return {"script": script, "iframe": iframe, "react": react}
