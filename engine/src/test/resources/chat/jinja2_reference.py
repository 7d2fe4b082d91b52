"""transformers' chat-template environment (chat_template_utils._compile_jinja_template), for reference outputs;
strftime_now reads a fixed time, 2024-07-26 09:05:03."""
import json, jinja2
from datetime import datetime
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.ext import loopcontrols

def env():
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)
    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)
    def strftime_now(format):
        return datetime(2024, 7, 26, 9, 5, 3).strftime(format)
    e = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    e.filters["tojson"] = tojson
    e.globals["raise_exception"] = raise_exception
    e.globals["strftime_now"] = strftime_now
    return e

def render(template, variables):
    try:
        return {"output": env().from_string(template).render(**variables)}
    except jinja2.exceptions.TemplateSyntaxError as ex:
        return {"error": "syntax", "message": str(ex)}
    except jinja2.exceptions.TemplateError as ex:
        return {"error": type(ex).__name__, "message": str(ex)}
    except Exception as ex:
        return {"error": type(ex).__name__, "message": str(ex)}
