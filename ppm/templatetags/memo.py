"""``{% memo "name" value … %}…{% endmemo %}``: the enclosed fragment rendered once per process for each
distinct set of values (and language), then reused (ppm.memo). The fragment must depend on nothing but
the values named: no ``{% csrf_token %}``, no request path, no user attribute left out of the key."""

from django import template

from ppm.memo import memo_html

register = template.Library()


class MemoNode(template.Node):
    def __init__(self, nodelist, name, values):
        self.nodelist = nodelist
        self.name = name
        self.values = values

    def render(self, context):
        key = (self.name, *(value.resolve(context) for value in self.values))
        return memo_html(key, lambda: self.nodelist.render(context))


@register.tag
def memo(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(
            "{% memo %} needs a name (a quoted string) and the values it depends on."
        )
    nodelist = parser.parse(("endmemo",))
    parser.delete_first_token()
    name = bits[1].strip("\"'")
    return MemoNode(nodelist, name, [parser.compile_filter(bit) for bit in bits[2:]])
