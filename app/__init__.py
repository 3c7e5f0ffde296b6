"""The Streamlit studio: its pages and the components and helpers they share."""
