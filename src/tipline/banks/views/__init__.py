"""Read-only views of hash banks for the pages (`usecases.py`: the use cases, `store.py`: their
queries), apart from the bank import work in `tipline.banks` itself."""
