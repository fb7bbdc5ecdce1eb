"""PDF notices: what each notice says (content.py), how it is numbered and dated (authorities.py,
dates.py) and how it becomes a PDF (render.py, WeasyPrint with the system Noto Serif CJK font,
embedded and subset). Nothing here touches the database except content.py's reads."""
