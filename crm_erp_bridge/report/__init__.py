from . import pipeline_demand_report
