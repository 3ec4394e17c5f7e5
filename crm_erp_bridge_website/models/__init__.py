from . import product_template, website
