"""What dashboard.py draws from: uploads, what-if settings, tables and plotly figures.

Never imports streamlit (only dashboard.py does). See docs.md.
"""
