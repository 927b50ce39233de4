"""The pages of the dashboard, one file each, run by st.navigation (dashboard.py): a page reads the filters, asks
the engine through ui/ for tidy results and draws them; no SQL here."""
