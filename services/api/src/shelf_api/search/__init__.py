"""linkding's search language: parsed into a tree (`parser`), compiled to SQL (`compiler`)."""

from .compiler import compile_search, narrowed_by_index
from .parser import And, Keyword, Not, Or, SearchSyntaxError, Tag, Term, parse

__all__ = [
    "And",
    "Keyword",
    "Not",
    "Or",
    "SearchSyntaxError",
    "Tag",
    "Term",
    "compile_search",
    "narrowed_by_index",
    "parse",
]
